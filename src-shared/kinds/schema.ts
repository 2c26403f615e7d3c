/**
 * A kind of open file, declared once: its code in the image, its name in the
 * model, and the attributes it carries beyond the common file fields. The
 * engine's codec, the JSON output and the UI all work from this declaration,
 * so adding a kind means adding one file here (and a section in
 * docs/image-format.md), the way the seed adds one f_op->checkpoint.
 */
import type { AttrRecord, OpenFile } from '../model/snapshot.js';

export type ScalarType = 'u8' | 'u16' | 'u32' | 'i32' | 'u64' | 'bool' | 'bstr' | 'objref';

export interface ScalarField {
  name: string;
  type: ScalarType;
  label: string;
}
export interface ListField {
  name: string;
  type: 'list';
  label: string;
  of: ScalarField[];
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

/** Default attribute values, used by sources that could not read a detail. */
export function emptyAttrs(spec: KindSpec): AttrRecord {
  const out: AttrRecord = {};
  for (const f of spec.fields) {
    switch (f.type) {
      case 'list':
        out[f.name] = [];
        break;
      case 'bool':
        out[f.name] = false;
        break;
      case 'bstr':
        out[f.name] = '';
        break;
      default:
        out[f.name] = 0;
    }
  }
  return out;
}
