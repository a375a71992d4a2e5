import type { Io } from './main';

export async function pin(_args: string[], io: Io): Promise<number> {
  io.err('image-pin pin: not available in this build yet\n');
  return 2;
}
