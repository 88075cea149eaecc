"""Training loop: seeded shuffling, compiled multi-batch steps, stop/time-limit checks per chunk, early stopping.

Speed: Keras' ``train_on_batch`` costs a Python round trip per batch, which dominates small LSTMs (figures in
docs/performance.md). Here one call of a compiled ``tf.function`` runs a *chunk* of optimizer steps (a
``tf.range`` loop over the epoch's shuffled batches, gathered inside the graph) and a second compiled function
computes the validation errors, so an epoch costs one to a few Python calls. The chunk length adapts so that one
call takes about :data:`CHUNK_SECONDS`: Stop, the time limit and the progress callback are honoured after every
chunk.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import keras
import numpy as np
import tensorflow as tf

from core.config import ForecastConfig
from core.model.network import PREDICT_CHUNK, sequence_model
from core.model.progress import EpochRecord, TrainControl
from core.model.windows import WindowedData
from core.words import NO_EPOCH_IMPROVED, STATUS_MESSAGES

__all__ = [
    "CHUNK_SECONDS", "EVERY_POSITION", "MIN_CONTEXT_SHARE", "TrainOutcome", "batch_order", "min_context",
    "position_plan", "segment_lengths", "segment_plan", "positions_usable", "keeps_rule", "train",
]


#: Wall clock of the time limit (a module attribute so tests can move time forward).
_clock = time.monotonic


#: Target duration of one compiled call (a chunk of batches); Stop is honoured within about this long.
CHUNK_SECONDS = 0.1


#: Train on every position of each window (see :func:`position_plan`) when the data allows it.
EVERY_POSITION = True


#: In every-position training a position is a target once it has seen this share of the window.
MIN_CONTEXT_SHARE = 0.5


@dataclass
class TrainOutcome:
    """Result of :func:`train`.

    Attributes:
        status: one of ``core.model.progress.FINAL_STATUSES``.
        history: one record per finished epoch (a partial epoch cut by stop/time limit is not recorded).
        best_epoch: 1-based epoch whose weights the model holds now; 0 when no finished epoch beat the starting
            weights on validation (with a residual target and its zero head: the simple rule itself); None when no
            epoch finished (a divergence in the first epoch included).
        seconds: wall-clock training time.
        message: one plain sentence about how training ended.
        predict: the trained model's outputs ``(k, 1)`` for windows ``(k, window, n_features)``, through a
            function traced during the first epoch, so predicting after training (also right after a Stop)
            traces nothing; None when no epoch finished. It lives in this process only: drop it before
            sending the outcome elsewhere.
    """

    status: str
    history: list[EpochRecord] = field(default_factory=list)
    best_epoch: int | None = None
    seconds: float = 0.0
    message: str = ""
    start_val_mae: float | None = None  # validation MAE of the starting weights (target units), None without validation
    predict: Callable[[np.ndarray], np.ndarray] | None = field(default=None, repr=False, compare=False)


def batch_order(rng: np.random.Generator, n: int) -> np.ndarray:
    """One epoch's shuffled row order, shape ``(n,)`` int32; batch ``b`` is ``order[b*size:(b+1)*size]``."""
    return rng.permutation(n).astype(np.int32)


def min_context(window: int) -> int:
    """Fewest inputs a position must have seen to be a training target in every-position training."""
    return max(1, math.ceil(window * MIN_CONTEXT_SHARE))


def position_plan(rng: np.random.Generator, n: int, window: int) -> tuple[np.ndarray, np.ndarray]:
    """One epoch of every-position training over ``n`` consecutive windows of length ``window``.

    Window ``i`` (inputs of times ``i..i+window-1`` when target ``j`` belongs to time ``window+j``)
    has ``span = window - min_context(window) + 1`` usable positions: position ``p`` (0-based,
    ``p >= min_context - 1``) predicts target ``i + p + 1 - window`` from the ``p + 1`` inputs before it.
    The epoch picks windows ``shift, shift + span, ...`` (``shift`` random in ``[0, span)``; the last one
    clipped to ``n - 1``), so every target ``0..n-1`` is predicted exactly once with a context between
    ``min_context`` and ``window`` steps, and shuffles them.

    Returns:
        ``starts`` shape ``(m,)`` int32 (window indices, shuffled) and ``first`` shape ``(m,)`` int32:
        window ``starts[r]`` counts targets ``first[r]..starts[r]`` only.
    """
    span = window - min_context(window) + 1
    shift = int(rng.integers(span))
    starts = np.arange(shift, n - 1 + span, span)
    starts = starts[starts - span < n - 1] if len(starts) else starts
    starts = np.minimum(starts, n - 1)
    first = np.maximum(starts - span + 1, 0)
    if len(starts) > 1:  # the clipped last window counts only targets after the previous window's
        first[-1] = max(first[-1], starts[-2] + 1)
    order = rng.permutation(len(starts))
    return starts[order].astype(np.int32), first[order].astype(np.int32)


def segment_lengths(data: WindowedData) -> list[int]:
    """The number of training windows of each stacked series (``WindowedData.segments``), or ``[n]`` for one.

    Raises:
        ValueError: segments that do not add up to the training windows (a caller's mistake).
    """
    n = len(data.y_train)
    if not data.segments:
        return [n]
    if sum(data.segments) != n or min(data.segments) < 1:
        raise ValueError(f"segments {data.segments} must be positive and add up to the {n} training windows")
    return list(data.segments)


def segment_plan(rng: np.random.Generator, segments: list[int], window: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`position_plan` over stacked series: each segment planned on its own, the windows of all shuffled.

    Indices are positions in the stacked input sequence, where segment ``s`` (``segments[s]`` windows) starts
    at ``sum(segments[:s]) + s * (window - 1)``: each segment's sequence is its windows' inputs once, followed
    (in the targets) by ``window - 1`` unused slots, so a target index is its window's start in that sequence.
    With one segment this is exactly :func:`position_plan` (the same draws, the same order).

    Returns:
        ``starts`` and ``first``, shapes ``(m,)`` int32, as :func:`position_plan`'s.
    """
    if len(segments) == 1:
        return position_plan(rng, segments[0], window)
    starts, first, offset = [], [], 0
    for count in segments:
        s, f = position_plan(rng, count, window)
        starts.append(s + offset)
        first.append(f + offset)
        offset += count + window - 1
    order = rng.permutation(sum(len(s) for s in starts))
    return np.concatenate(starts)[order].astype(np.int32), np.concatenate(first)[order].astype(np.int32)


def _stacked_sequence(data: WindowedData) -> tuple[np.ndarray, np.ndarray]:
    """Each segment's input sequence (its first window, then each next window's last row) and its targets
    followed by ``window - 1`` zeros (never read: :func:`segment_plan`'s masks stop at each segment's start),
    concatenated: shapes ``(sum(segments) + s * (window - 1), n_features)`` and the same length, float32."""
    x, y = data.x_train, np.asarray(data.y_train, dtype=np.float32)
    window = int(x.shape[1])
    inputs, targets, start = [], [], 0
    segments = segment_lengths(data)
    for number, count in enumerate(segments):
        part = x[start : start + count]
        inputs.append(np.concatenate([part[0], part[1:, -1]]))
        targets.append(y[start : start + count])
        if number < len(segments) - 1:  # one series: no padding, the arrays as they always were
            targets.append(np.zeros(window - 1, dtype=np.float32))
        start += count
    return np.concatenate(inputs).astype(np.float32), np.concatenate(targets)


def positions_usable(model: keras.Model, data: WindowedData) -> keras.Model | None:
    """The per-position twin of ``model`` when every-position training gives the same targets, else None.

    Needs: a model from ``core.model.build_model`` (per-position head), the plain MSE loss, and
    training windows that are consecutive slides of one sequence (``x[i+1, :-1] == x[i, 1:]``; of each
    segment's own sequence for stacked series, ``WindowedData.segments``), so the prefix ``x[i, :p+1]`` is
    exactly the input window of an earlier target. Targets are assumed to belong to their time (``y[j]`` is
    the target of time ``window + j`` whichever window predicts it).
    """
    if model.loss != "mse" or len(data.y_train) < 2:
        return None
    x, first = data.x_train, 0
    for count in segment_lengths(data):
        end = first + count - 1  # the segment's last window
        for start in range(first, end, 8192):  # in chunks: a bounded temporary even for a million windows
            stop = min(end, start + 8192)
            if not np.array_equal(x[start + 1 : stop + 1, :-1], x[start:stop, 1:]):
                return None
        first += count
    return sequence_model(model)


def _apply_gradients(optimizer: keras.optimizers.Optimizer, gradients: list[tf.Tensor],
                     variables: list[keras.Variable]) -> None:
    """``optimizer.apply(gradients, variables)`` inside a traced function, without leaking the trace.

    In a replica context (always the case without a distribution strategy) Keras' TensorFlow optimizer
    sums the gradients over the replicas with ``ReplicaContext.all_reduce``, which wraps the sum in
    ``tf.custom_gradient``. In graph mode that registers a gradient function in TensorFlow's global
    gradient registry and never removes it; its closure holds tensors of the trace, so every traced
    ``steps`` graph (and the loop bodies it registered in the eager context) would stay alive for the life
    of the process, a leak per training (docs/performance.md, "Memory"). Applying the update through
    ``merge_call`` runs it in the cross-replica context, where Keras skips the all-reduce; with a single
    replica that sum is the identity, so the update is the same.
    """
    context = tf.distribute.get_replica_context()
    if context is None:  # already in a cross-replica context
        optimizer.apply(gradients, variables)
    else:
        context.merge_call(lambda _strategy: optimizer.apply(gradients, variables))


class _Compiled:
    """The compiled functions of one training: a chunk of optimizer steps, and validation errors.

    ``steps(a, b, start, stop)`` runs batches ``start..stop-1`` of one epoch and returns, per batch,
    (batch mean loss × batch targets), shape ``(stop - start,)``: the epoch's loss is their exact sum
    (``math.fsum``), so it does not depend on where the adaptive chunks happened to split the epoch. Per
    window (``twin`` None): ``a`` is the epoch's row order (:func:`batch_order`) and ``b`` is unused;
    every position (``twin`` given): ``a`` and ``b`` are :func:`segment_plan`'s ``starts`` and
    ``first``, ``batch_size`` windows per batch.
    Batches are gathered from the training arrays inside the graph, so no Python runs between
    optimizer steps; every-position training gathers its windows from the input sequence (the windows
    are consecutive slides of it), so it holds ``window`` times less than the windows in memory.
    Each function is traced once per training (``start``/``stop`` are tensors).
    """

    def __init__(self, model: keras.Model, data: WindowedData, batch_size: int,
                 twin: keras.Model | None = None) -> None:
        self.model = model
        optimizer = model.optimizer
        if not optimizer.built:
            optimizer.build(model.trainable_variables)
        if twin is None:
            x = tf.convert_to_tensor(np.asarray(data.x_train, dtype=np.float32))
            y = tf.convert_to_tensor(np.asarray(data.y_train, dtype=np.float32))
        else:  # consecutive windows: keep the input sequence once, (n + window - 1, features), not n windows
            inputs, targets = _stacked_sequence(data)
            x, y = tf.convert_to_tensor(inputs), tf.convert_to_tensor(targets)
        size = tf.constant(batch_size, tf.int32)
        window = int(data.x_train.shape[1])
        lowest = min_context(window) - 1
        offsets = tf.range(lowest, window, dtype=tf.int32) + 1 - window  # target index = start + offset
        signature = [tf.TensorSpec([None], tf.int32)] * 2 + [tf.TensorSpec([], tf.int32)] * 2

        def window_loss(rows: tf.Tensor, unused: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
            del unused
            xb, yb = tf.gather(x, rows), tf.gather(y, rows)
            prediction = model(xb, training=True)
            loss = model.compute_loss(x=xb, y=yb, y_pred=prediction, training=True)
            return tf.cast(loss, tf.float32), tf.cast(tf.shape(rows)[0], tf.float32)

        def position_loss(starts: tf.Tensor, first: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
            assert twin is not None
            targets = starts[:, None] + offsets[None, :]  # (m, span)
            mask = tf.cast(targets >= first[:, None], tf.float32)
            yb = tf.gather(y, tf.maximum(targets, 0))
            windows = tf.gather(x, starts[:, None] + tf.range(window)[None, :])  # (m, window, features)
            prediction = twin(windows, training=True)[:, lowest:, 0]
            count = tf.reduce_sum(mask)
            return tf.reduce_sum(mask * tf.square(prediction - yb)) / count, count

        batch_loss = window_loss if twin is None else position_loss
        variables = model.trainable_variables

        @tf.function(input_signature=signature, jit_compile=False)
        def steps(a: tf.Tensor, b: tf.Tensor, start: tf.Tensor, stop: tf.Tensor) -> tf.Tensor:
            losses = tf.TensorArray(tf.float32, size=stop - start)
            for batch in tf.range(start, stop):
                with tf.GradientTape() as tape:
                    rows = slice(batch * size, (batch + 1) * size)
                    loss, count = batch_loss(a[rows], b[rows])
                _apply_gradients(optimizer, tape.gradient(loss, variables), variables)
                losses = losses.write(batch - start, loss * count)
            return losses.stack()

        @tf.function(
            input_signature=[
                tf.TensorSpec([None, *data.x_train.shape[1:]], tf.float32),
                tf.TensorSpec([None], tf.float32),
            ],
            jit_compile=False,
        )
        def errors(xv: tf.Tensor, yv: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
            difference = tf.reshape(model(xv, training=False), [-1]) - yv
            return tf.reduce_sum(tf.square(difference)), tf.reduce_sum(tf.abs(difference))

        @tf.function(input_signature=[tf.TensorSpec([None, *data.x_train.shape[1:]], tf.float32)], jit_compile=False)
        def outputs(xv: tf.Tensor) -> tf.Tensor:
            return model(xv, training=False)

        self.steps: Callable[[tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor], tf.Tensor] = steps
        self.errors: Callable[[tf.Tensor, tf.Tensor], tuple[tf.Tensor, tf.Tensor]] = errors
        self.outputs: Callable[[tf.Tensor], tf.Tensor] = outputs

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The model's outputs for windows ``x`` ``(k, window, n_features)``, shape ``(k, 1)``, through one
        function traced for any ``k`` (Keras' own predict traces again for each new batch shape)."""
        return np.asarray(self.outputs(tf.constant(np.asarray(x, dtype=np.float32))))


def _validation_errors(compiled: _Compiled, data: WindowedData) -> tuple[float | None, float | None]:
    """(mean squared error, mean absolute error) on the validation windows, scaled units."""
    n = len(data.y_val)
    if n == 0:
        return None, None
    squared = absolute = 0.0
    for start in range(0, n, PREDICT_CHUNK):
        xv = np.asarray(data.x_val[start : start + PREDICT_CHUNK], dtype=np.float32)
        yv = np.asarray(data.y_val[start : start + PREDICT_CHUNK], dtype=np.float32)
        sq, ab = compiled.errors(tf.constant(xv), tf.constant(yv))
        squared += float(sq)
        absolute += float(ab)
    return squared / n, absolute / n


class _Loop:
    """State of one training; ``run`` returns the final status."""

    def __init__(self, model: keras.Model, data: WindowedData, config: ForecastConfig, control: TrainControl):
        self.model, self.data, self.config, self.control = model, data, config, control
        self.rng = np.random.default_rng(config.seed)
        self.deadline = _clock() + config.time_limit_seconds
        self.history: list[EpochRecord] = []
        self.best_loss = math.inf
        self.best_epoch: int | None = None
        self.best_weights: list[np.ndarray] | None = None
        self.start_weights: list[np.ndarray] | None = None  # the rule's (epoch 0), with a residual target
        n = len(data.y_train)
        self.twin = positions_usable(model, data) if EVERY_POSITION else None
        self.window = int(data.x_train.shape[1])
        if self.twin is None:
            self.size = min(config.batch_size, n)
        else:  # about batch_size targets per step: batch_size / span windows
            span = self.window - min_context(self.window) + 1
            self.size = max(1, round(config.batch_size / span))
        self.compiled = _Compiled(model, data, self.size, self.twin)
        self.chunk = 1  # batches per compiled call; adapted to CHUNK_SECONDS after the first (traced) call
        self.calls = 0

    def _interrupt(self) -> str | None:
        if self.control.stop_event.is_set():
            return "stopped"
        if _clock() >= self.deadline:
            return "time_limit"
        return None

    def _plan(self) -> tuple[tf.Tensor, tf.Tensor, int]:
        """This epoch's two index tensors for ``_Compiled.steps`` and its number of batches."""
        n = len(self.data.y_train)
        if self.twin is None:
            order = batch_order(self.rng, n)
            return tf.constant(order), tf.constant(order), math.ceil(n / self.size)
        starts, first = segment_plan(self.rng, segment_lengths(self.data), self.window)
        return tf.constant(starts), tf.constant(first), math.ceil(len(starts) / self.size)

    def _run_chunk(self, a: tf.Tensor, b: tf.Tensor, start: int, stop: int) -> list[float]:
        """Batches ``start..stop-1``; their (batch mean loss × batch targets)."""
        began = time.perf_counter()
        losses = self.compiled.steps(a, b, tf.constant(start, tf.int32), tf.constant(stop, tf.int32))
        values = np.asarray(losses, dtype=np.float64).tolist()
        seconds = time.perf_counter() - began
        self.calls += 1
        if self.calls > 1:  # the first call includes tracing
            per_batch = seconds / (stop - start)
            self.chunk = max(1, min(4096, int(CHUNK_SECONDS / max(per_batch, 1e-6))))
        return values

    def _epoch(self, epoch: int) -> tuple[str | None, float]:
        """Train one epoch; returns (interrupting status or None, target-weighted mean batch loss)."""
        n = len(self.data.y_train)
        a, b, batches = self._plan()
        losses: list[float] = []
        done = 0
        while done < batches:
            stop = min(batches, done + self.chunk)
            chunk = self._run_chunk(a, b, done, stop)
            losses += chunk
            done = stop
            if not all(map(math.isfinite, chunk)):
                return "diverged", math.nan
            if self.control.on_batch is not None:
                self.control.on_batch(epoch, done, batches)
            status = self._interrupt()
            if status is not None:
                return status, math.fsum(losses) / n
        return None, math.fsum(losses) / n

    def _finish_epoch(self, epoch: int, loss: float, started: float) -> str | None:
        val_loss, val_mae = _validation_errors(self.compiled, self.data)
        if val_loss is not None and not math.isfinite(val_loss):
            return "diverged"
        record = EpochRecord(
            epoch=epoch, loss=loss, val_loss=val_loss, seconds=time.monotonic() - started, val_mae=val_mae
        )
        self.history.append(record)
        if epoch == 1:  # trace the predictor now, while training, not when the results are wanted
            self.compiled.predict(self.data.x_train[:1])
        if self.control.on_epoch is not None:
            self.control.on_epoch(record)
        if self.control.after_epoch is not None:
            self.control.after_epoch(record, self.model)
        monitored = loss if val_loss is None else val_loss
        if monitored < self.best_loss:
            self.best_loss, self.best_epoch = monitored, epoch
            self.best_weights = [np.array(w, copy=True) for w in self.model.get_weights()]
        elif self.best_epoch is not None and 0 < self.config.patience <= epoch - self.best_epoch:
            return "early_stopped"
        return None

    def start(self) -> float | None:
        """With a residual target, score the starting weights (the rule) on validation; they stay the best unless an
        epoch beats them. Returns their validation MAE (None: value target or no validation)."""
        if self.data.spec is None or self.data.spec.target == "value" or len(self.data.y_val) == 0:
            return None
        val_loss, val_mae = _validation_errors(self.compiled, self.data)
        if val_loss is not None and math.isfinite(val_loss):
            self.best_loss, self.best_epoch = val_loss, 0
            self.best_weights = [np.array(w, copy=True) for w in self.model.get_weights()]
            self.start_weights = self.best_weights
        return val_mae

    def run(self) -> str:
        for epoch in range(1, self.config.epochs + 1):
            status = self._interrupt()
            if status is not None:
                return status
            started = time.monotonic()
            status, loss = self._epoch(epoch)
            if status is not None:
                return status
            status = self._finish_epoch(epoch, loss, started)
            if status is not None:
                return status
        return "completed"


def keeps_rule(history: list[EpochRecord], best_epoch: int | None, start_mae: float | None) -> bool:
    """True when the epoch picked by validation loss (squared error) is no better than the starting weights (the
    rule a residual target corrects) in validation MAE, the metric every model is scored by.

    The squared error can prefer an epoch that trades many exact rule forecasts for fewer large misses: on an
    hourly series whose rule residuals are mostly exactly 0 the lowest-loss epoch had a validation MAE of 0.045
    against the rule's 0.037 (docs/forecast-quality.md); such a training keeps the rule.
    """
    if start_mae is None or not best_epoch:
        return False
    record = next((r for r in history if r.epoch == best_epoch), None)
    return record is not None and record.val_mae is not None and record.val_mae > start_mae


def train(
    model: keras.Model, data: WindowedData, config: ForecastConfig, control: TrainControl
) -> TrainOutcome:
    """Train ``model`` on ``data.x_train`` ``(k, window, n_features)`` / ``data.y_train`` ``(k,)``.

    Each epoch shuffles with ``np.random.default_rng(config.seed)`` (:func:`batch_order`) and runs the
    batches ``order[b*batch_size:(b+1)*batch_size]`` in order with the model's compiled loss and
    optimizer, several batches per compiled call. Recorded losses are exact batch losses (not
    Keras' running means): ``EpochRecord.loss`` is their size-weighted mean. ``control.stop_event``,
    the time limit and ``control.on_batch`` are handled after every chunk of batches (about
    :data:`CHUNK_SECONDS`; ``on_batch`` gets the number of batches done). Safe to call from a
    non-main thread; two trainings in two threads give the same results as each alone.

    The model ends up with the weights of the best finished epoch (lowest validation loss, or
    training loss without validation), also when a later epoch diverged; a training that diverged before its first
    epoch finished has no best epoch. With a residual target and validation data the starting weights compete too
    (``best_epoch`` 0): the zero head starts as the simple rule, so a training that does not improve on the rule on
    validation keeps the rule, and so does one whose lowest-loss epoch is no better than the rule in validation MAE
    (:func:`keeps_rule`). Early stopping triggers after
    ``config.patience`` epochs without improvement (0 = off).

    Returns:
        TrainOutcome; status ``completed``, ``early_stopped``, ``stopped``, ``time_limit`` or ``diverged``.
    """
    started = time.monotonic()
    loop = _Loop(model, data, config, control)
    start_mae = loop.start()
    status = loop.run()
    if loop.start_weights is not None and keeps_rule(loop.history, loop.best_epoch, start_mae):
        loop.best_epoch, loop.best_weights = 0, loop.start_weights
    best_epoch = loop.best_epoch if loop.history else None
    message = STATUS_MESSAGES[status]
    if best_epoch is not None and loop.best_weights is not None:  # also after a late divergence: finite weights
        model.set_weights(loop.best_weights)
        if status == "diverged":
            message = f"{message} The best weights before that, from epoch {best_epoch}, are kept."
    if best_epoch == 0:
        message += f" {NO_EPOCH_IMPROVED}"
    return TrainOutcome(
        status=status,
        history=loop.history,
        best_epoch=best_epoch,
        seconds=time.monotonic() - started,
        message=message,
        start_val_mae=start_mae,
        predict=None if best_epoch is None else loop.compiled.predict,
    )
