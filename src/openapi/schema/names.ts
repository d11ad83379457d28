/**
 * Collision-free component names for one OpenAPI document. OpenAPI requires component keys to match
 * ^[a-zA-Z0-9._-]+$ (OAS 3.1 section 4.8.7.1), so anything else becomes "_"; a name already taken gets
 * "_2", "_3", ... appended, in the order names are requested, so the same input yields the same names.
 */

const INVALID = /[^A-Za-z0-9._-]/g;

/** Replaces characters OpenAPI does not allow in component names; never returns "". */
export function sanitizeComponentName(name: string): string {
  const cleaned = name.replace(INVALID, '_');
  return cleaned === '' ? '_' : cleaned;
}

/** Hands out the component names of one document. */
export class ComponentNames {
  private readonly taken = new Set<string>();
  /** Allocated names in order, so an abandoned schema's names can be given back (see releaseSince). */
  private readonly allocated: string[] = [];

  /** Reserves fixed names (e.g. "Error") so generated names never take them. */
  constructor(reserved: Iterable<string> = []) {
    for (const name of reserved) this.taken.add(name);
  }

  /** A unique, valid name as close to `desired` as possible. */
  allocate(desired: string): string {
    const base = sanitizeComponentName(desired);
    let name = base;
    for (let n = 2; this.taken.has(name); n++) name = `${base}_${n}`;
    this.taken.add(name);
    this.allocated.push(name);
    return name;
  }

  /** A mark to pass to releaseSince. */
  mark(): number {
    return this.allocated.length;
  }

  /** Frees every name allocated after `mark` was taken: their schemas were abandoned, not emitted. */
  releaseSince(mark: number): void {
    for (const name of this.allocated.splice(mark)) this.taken.delete(name);
  }
}
