/**
 * Operation ids: `${server}__${tool}`, readable and stable across restarts, restricted to characters
 * every client generator accepts. Sanitizing can make two tools collide ("a b" and "a_b"); the later
 * one, in tools/list order, gets "_2", "_3", ...
 */

const INVALID = /[^A-Za-z0-9_.-]/g;

/** Separator between server and tool names in operation ids. */
export const OPERATION_ID_SEPARATOR = '__';

/** `raw` with every character outside [A-Za-z0-9_.-] replaced by "_"; never "". */
export function sanitizeOperationId(raw: string): string {
  const cleaned = raw.replace(INVALID, '_');
  return cleaned === '' ? '_' : cleaned;
}

/** Hands out unique operation ids; `taken` may be pre-filled (the root document spans servers). */
export class OperationIds {
  private readonly taken = new Set<string>();

  /** A unique id for `server`/`tool`, or for `preferred` when given (an id computed elsewhere). */
  allocate(server: string, tool: string, preferred?: string): string {
    const base = preferred ?? sanitizeOperationId(`${server}${OPERATION_ID_SEPARATOR}${tool}`);
    let id = base;
    for (let n = 2; this.taken.has(id); n++) id = `${base}_${n}`;
    this.taken.add(id);
    return id;
  }
}
