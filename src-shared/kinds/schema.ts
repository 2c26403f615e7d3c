/**
 * A kind of open file, declared once: its code in the image, its name in the
 * model, and the attributes it carries beyond the common file fields. The
 * engine's codec, the JSON output and the UI all work from this declaration,
 * so adding a kind means adding one file here (and a section in
 * docs/image-format.md), the way the seed adds one f_op->checkpoint.
 */
import type { AttrRecord, AttrValue, OpenFile, U64 } from '../model/snapshot.js';

export type ScalarType = 'u8' | 'u16' | 'u32' | 'i32' | 'u64' | 'bool' | 'bstr' | 'objref';

export interface ScalarField {
  name: string;
  type: ScalarType;
  label: string;
  /**
   * The format minor version that appended this attribute to its kind (0 or
   * absent: there from the kind's start). Images of an older minor end the
   * body before it, and readers give it its empty value (see "Kind bodies"
   * in docs/image-format.md). Not allowed on a list's item fields.
   */
  since?: number;
  /**
   * How the app shows the value when a number alone would not say it (a bit
   * mask's names, a dev_t's major:minor); absent: the value as it is.
   */
  show?: (v: U64) => string;
}
export interface ListField {
  name: string;
  type: 'list';
  label: string;
  of: ScalarField[];
  since?: number;
}
export type Field = ScalarField | ListField;

export interface KindSpec {
  /** Stable number written in the image; never reused. */
  code: number;
  name: string;
  label: string;
  fields: Field[];
  /** One line for lists: what a person needs to recognise this file. */
  summary?: (f: OpenFile) => string;
}

export function defineKind(spec: KindSpec): KindSpec {
  return spec;
}

/**
 * A field's empty value: what a source that could not read the detail
 * records, and what a reader gives a field that an older image lacks.
 */
export function emptyValue(f: Field): AttrValue {
  switch (f.type) {
    case 'list':
      return [];
    case 'bool':
      return false;
    case 'bstr':
      return '';
    default:
      return 0;
  }
}

/** Default attribute values, used by sources that could not read a detail. */
export function emptyAttrs(spec: KindSpec): AttrRecord {
  const out: AttrRecord = {};
  for (const f of spec.fields) out[f.name] = emptyValue(f);
  return out;
}
