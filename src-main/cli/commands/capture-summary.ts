/** capture's line in `ckpt --help`, apart from capture.ts: the command list loads no command, and the capture's own entry (capture-main.ts) no list. */
export const CAPTURE_SUMMARY = 'capture processes (or a simulation) into a checkpoint image';
