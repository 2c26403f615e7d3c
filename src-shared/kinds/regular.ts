import { defineKind } from './schema.js';

/** A regular file opened by path (also O_PATH fds on one). */
export default defineKind({ code: 1, name: 'regular', label: 'Regular file', fields: [] });
