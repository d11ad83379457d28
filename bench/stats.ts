/**
 * Latency samples in milliseconds (floats, not autocannon's whole-millisecond histogram: the targets
 * compare differences well below 1 ms) and their summary. Used by the load generator and the direct
 * client alike, so both sides of every ratio are computed the same way.
 */

export interface LatencySummary {
  /** Completed requests that were measured. */
  count: number;
  mean: number;
  p50: number;
  p99: number;
  max: number;
}

/** A growable buffer of latency samples. */
export class LatencyRecorder {
  private samples = new Float64Array(1 << 16);
  private size = 0;

  record(ms: number): void {
    if (this.size === this.samples.length) {
      const bigger = new Float64Array(this.samples.length * 2);
      bigger.set(this.samples);
      this.samples = bigger;
    }
    this.samples[this.size++] = ms;
  }

  get count(): number {
    return this.size;
  }

  summary(): LatencySummary {
    const sorted = this.samples.slice(0, this.size).sort();
    if (sorted.length === 0) return { count: 0, mean: 0, p50: 0, p99: 0, max: 0 };
    let total = 0;
    for (const value of sorted) total += value;
    return {
      count: sorted.length,
      mean: total / sorted.length,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: sorted[sorted.length - 1]!,
    };
  }
}

/** Nearest-rank percentile of an ascending array (the definition HdrHistogram uses too). */
export function percentile(sorted: Float64Array, p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

/** The median of a few numbers (used for repeated timing runs). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
