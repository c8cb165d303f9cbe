package dev.docsync.limits;

/** A place taken in a bounded count ({@link ConnectionLimits}); {@link #release} gives it back, once. */
public interface Slot {
  /** A slot of a count that is not limited. */
  Slot NONE = () -> { };

  /** Gives the place back; later calls do nothing. */
  void release();
}
