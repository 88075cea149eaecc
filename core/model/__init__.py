"""Model wing: what the LSTM reads and learns, the network itself, and its training loop.

Modules:
    scaling      ``Scaler``: standardisation fitted on the training span only
    seasons      where a date lies in its season (the climatology's key) and which position is one season back
                 (by calendar date for a yearly season of daily data)
    features     ``FeatureSpec``: the inputs (value, calendar, season-ago value, changes, covariates) and the
                 target (value, or the correction to a simple rule), built from training statistics
    windows      ``Split`` by target index and ``prepare``: split + scale + features + windows -> ``WindowedData``
    network      ``build_model`` (stacked LSTM -> Dense(1), per-position head) and batched prediction
    training     ``train``: compiled multi-batch steps, Stop and time limit per chunk, early stopping
    recursive    multi-step forecasts that feed predictions back as inputs
    internals    gates, cell and hidden states of a trained LSTM, in numpy (no TensorFlow)
    weights      ``NetworkWeights``: a trained network as numpy arrays + its ``.keras`` bytes, a numpy forward
                 pass (what the web process predicts with; no TensorFlow)
    progress     ``EpochRecord``, ``TrainControl``, ``FINAL_STATUSES``: how a training reports and is steered
                 (no TensorFlow import)

May import: ``core.data``, ``core.errors``, ``core.config``, ``core.words``. TensorFlow/Keras is imported by
``network`` and ``training`` only. A new input feature goes into ``features``.
"""

__all__ = ["scaling", "seasons", "features", "windows", "network", "training", "recursive", "internals", "weights",
           "progress"]
