import { defineKind } from './schema.js';
import { socketTypeText } from './masks.js';

export default defineKind({
  code: 11,
  name: 'packet-socket',
  label: 'Packet socket',
  fields: [
    { name: 'type', type: 'u32', label: 'Socket type', show: socketTypeText },
    { name: 'protocol', type: 'u32', label: 'Ethernet protocol' },
    { name: 'ifindex', type: 'u32', label: 'Interface index' },
  ],
  summary: (f) =>
    `packet type ${String(f.attrs.type)} proto 0x${Number(f.attrs.protocol).toString(16).padStart(4, '0')} ifindex ${String(f.attrs.ifindex)}`,
});
