/** Lets callers sleep until either a deadline or the next wakeAll(): a session wakes waiting calls on every state change. */
export class Wakeup {
  private readonly sleepers = new Set<() => void>();

  /** Resolves after `ms`, or earlier at the next wakeAll(). */
  wait(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  wakeAll(): void {
    for (const wake of [...this.sleepers]) wake();
  }
}
