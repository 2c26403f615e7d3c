/** Live capture of processes from /proc into a snapshot. */
export { captureProc, missingPids, ProcCaptureError, type ProcCaptureOptions, type ProcCaptureStats } from './capture.js';
