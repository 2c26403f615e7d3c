/** A CRIU pipe's end by its access mode, as the /proc capture gives it (classify/pipes.ts endAttrs). */
import { describe, expect, it } from 'vitest';
import pipe from '../../src-main/sources/criu/fd-types/pipe.js';
import type { FdTypeContext } from '../../src-main/sources/criu/fd-types/index.js';

describe('CRIU PIPE', () => {
  it('is the read end, the write end, or both for a pipe reopened O_RDWR through /proc', () => {
    const end = (flags: number) => pipe.convert({ id: 1, pipe_id: 7, flags }, {} as FdTypeContext).attrs?.end;
    expect([0, 1, 2, 0o4001].map(end)).toEqual(['read', 'write', 'both', 'write']);
  });
});
