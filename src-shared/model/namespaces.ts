/**
 * The namespace types a capture can select processes by (`ckpt capture
 * --ns TYPE:PID`, the app's capture.run): the links of /proc/PID/ns that
 * name a namespace a process is in. Here rather than beside the selection
 * code, because the API contract validates against the same list and
 * src-shared may not import src-main.
 */
export const NS_TYPES = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts'] as const;
export type NsType = (typeof NS_TYPES)[number];

/** A cgroup path as selection reads it: "/a/b/" and "a//b" as "/a/b"; "/" stays. (The capture and the app's count both use this.) */
export function normalizeCgroup(path: string): string {
  return `/${path.split('/').filter(Boolean).join('/')}`;
}
