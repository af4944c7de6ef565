import type { Target } from '../model/target.js';

/** A one-line progress display on a terminal's stderr; silent anywhere else, or when not `shown`. */
export function progressLine(stream: NodeJS.WriteStream, total: number, shown = true) {
  const drawn = shown && stream.isTTY;
  const active = new Set<string>();
  let done = 0;
  const draw = () => {
    if (!drawn) return;
    const names = [...active].slice(0, 3).join(', ');
    const line = `[${done}/${total}] ${names}${active.size > 3 ? ', ...' : ''}`;
    stream.write(`\r\x1b[2K${line.slice(0, Math.max(20, (stream.columns ?? 80) - 1))}`);
  };
  return {
    started(target: Target) {
      active.add(target.name);
      draw();
    },
    finished(name: string) {
      active.delete(name);
      done++;
      draw();
    },
    clear() {
      if (drawn) stream.write('\r\x1b[2K');
    },
  };
}
