import { defineKind } from './schema.js';

export default defineKind({
  code: 11,
  name: 'packet-socket',
  label: 'Packet socket',
  fields: [
    { name: 'type', type: 'u32', label: 'Socket type' },
    { name: 'protocol', type: 'u32', label: 'Ethernet protocol' },
    { name: 'ifindex', type: 'u32', label: 'Interface index' },
  ],
});
