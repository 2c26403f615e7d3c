/**
 * A kind attribute's value as the app shows it: through the field's `show`
 * (schema.ts) when it has one, else null (the caller shows the value as it is).
 */
import { KINDS } from './index.js';
import type { ScalarField } from './schema.js';

function field(kind: string, name: string, item?: string): ScalarField | undefined {
  const f = KINDS.find((k) => k.name === kind)?.fields.find((x) => x.name === name);
  if (!f) return undefined;
  if (item === undefined) return f.type === 'list' ? undefined : f;
  return f.type === 'list' ? f.of.find((x) => x.name === item) : undefined;
}

/** `value` of attribute `name` (of a list entry's field `item`) of a `kind` file, shown; null when it is shown as it is. */
export function attrShown(kind: string, name: string, value: unknown, item?: string): string | null {
  const show = field(kind, name, item)?.show;
  if (!show) return null;
  if (typeof value === 'number' || typeof value === 'bigint') return show(value);
  if (typeof value === 'string' && /^\d+$/.test(value)) return show(BigInt(value));
  return null;
}
