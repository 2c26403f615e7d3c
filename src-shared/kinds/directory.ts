import { defineKind } from './schema.js';

export default defineKind({ code: 2, name: 'directory', label: 'Directory', fields: [] });
