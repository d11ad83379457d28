/**
 * One task run on request, never two at once: requests that come while it runs make one more run after it,
 * however many they are. So a flood of notifications/tools/list_changed costs at most one tools/list in flight
 * plus one queued, and the last notification is still followed by a list that reflects it.
 */
export class CoalescedRuns {
  private running: Promise<void> | undefined;
  private queued = false;

  /** `task` reports its own failures; a rejection is dropped here. */
  constructor(private readonly task: () => Promise<void>) {}

  request(): void {
    if (this.running) {
      this.queued = true;
      return;
    }
    this.running = this.task()
      .catch(() => {})
      .finally(() => {
        this.running = undefined;
        if (!this.queued) return;
        this.queued = false;
        this.request();
      });
  }

  /** Resolves when no run is in flight or queued. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }
}
