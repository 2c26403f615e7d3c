import { defineKind } from './schema.js';

export default defineKind({
  code: 10,
  name: 'netlink-socket',
  label: 'Netlink socket',
  fields: [
    { name: 'protocol', type: 'u32', label: 'Netlink protocol' },
    { name: 'portId', type: 'u32', label: 'Port id' },
    { name: 'groups', type: 'u32', label: 'Multicast groups' },
  ],
  summary: (f) => `netlink proto ${String(f.attrs.protocol)} port ${String(f.attrs.portId)}`,
});
