import { documentName, type FieldPath } from './paths.js';
import type { DocumentProto } from './proto-types.js';
import type { StoredDocument } from './store.js';
import { fieldsToProto, microsToTimestamp, projectFields } from './values.js';

/** Encodes a stored document for the wire, optionally keeping only `mask` fields. */
export function encodeDocument(database: string, doc: StoredDocument, mask?: readonly FieldPath[]): DocumentProto {
  const fields = mask ? projectFields(doc.fields, mask) : doc.fields;
  return {
    name: documentName(database, doc.path),
    fields: fieldsToProto(fields),
    createTime: microsToTimestamp(doc.createTime),
    updateTime: microsToTimestamp(doc.updateTime),
  };
}
