// The polling relay's wait between rounds that found nothing: a timer that stop() ends at once.
export class PollTimer {
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;

  /** Resolves after `timeoutMs`, or at once when closed. */
  wait(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(resolve, timeoutMs);
    });
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.wake?.();
  }
}
