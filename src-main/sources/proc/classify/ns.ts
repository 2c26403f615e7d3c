/** Namespace fds: "net:[INO]", "mnt:[INO]", ... (opened from /proc/PID/ns/*). */
import type { Classifier } from './types.js';

export const NS_TYPES = new Set(['net', 'mnt', 'pid', 'pid_for_children', 'uts', 'ipc', 'user', 'cgroup', 'time', 'time_for_children']);

export const nsfd: Classifier = (raw, text, base) => {
  const colon = text.indexOf(':');
  base.kind = 'nsfd';
  base.attrs = { nsType: text.slice(0, colon) };
  return `n:${text}:${raw.flags & 3}`;
};
