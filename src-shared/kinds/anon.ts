import { defineKind } from './schema.js';

/**
 * Any other anonymous inode (io_uring, perf_event, bpf-map ...) or link this
 * version does not know: never dropped, its link text is the path.
 */
export default defineKind({ code: 23, name: 'anon', label: 'Other anonymous inode', fields: [] });
