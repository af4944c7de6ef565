// A reporter that ends a run stuck in a test file. Vitest times a test out with a timer in the worker,
// so a worker whose event loop never turns again (a busy loop, a promise chain that never yields, a
// synchronous call that never returns) is never timed out: CI once spent its 90 minutes on one and
// printed nothing about it. Past STUCK_MS a file is stuck: each worker is asked through its inspector
// (SIGUSR1 opens it on a free port, as the workers' --inspect-port=0 asks, and V8 answers even from
// inside a busy loop) what it waits on and where it is, its child processes are listed, and the
// workers are killed, so the run fails in minutes and says where.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { WebSocket } from 'undici';
import type { Reporter, TestCase, TestModule } from 'vitest/node';

/** Several times the slowest file's time on a loaded machine (under a minute), within CI's budget. */
const STUCK_MS = Number(process.env.WATCHDOG_STUCK_MS ?? 6 * 60_000);
const LOOK_EVERY_MS = Math.min(15_000, STUCK_MS / 4);
const INSPECTOR_MS = 10_000;

/** The options a vitest config takes to have the watchdog: the reporter, and workers it can inspect. */
export function watchdogOptions() {
  return { reporters: ['default', new Watchdog()], execArgv: ['--inspect-port=0'] };
}

interface Running {
  since: number;
  test?: string;
}

export default class Watchdog implements Reporter {
  private readonly running = new Map<string, Running>();
  private timer: NodeJS.Timeout | undefined;
  private fired = false;

  onTestRunStart(): void {
    this.timer = setInterval(() => void this.look(), LOOK_EVERY_MS).unref();
  }

  onTestModuleStart(module: TestModule): void {
    this.running.set(module.moduleId, { since: Date.now() });
  }

  onTestCaseReady(test: TestCase): void {
    const running = this.running.get(test.module.moduleId);
    if (running) running.test = test.fullName;
  }

  onTestModuleEnd(module: TestModule): void {
    this.running.delete(module.moduleId);
  }

  onTestRunEnd(): void {
    clearInterval(this.timer);
  }

  private async look(): Promise<void> {
    const stuck = [...this.running].filter(([, r]) => Date.now() - r.since > STUCK_MS);
    if (this.fired || stuck.length === 0) return;
    this.fired = true;
    const lines = stuck.map(([file, r]) => `watchdog: ${file} stuck in "${r.test ?? '(no test yet)'}"`);
    const workers = childrenOf(process.pid).filter((c) => c.command.includes('workers/forks.js'));
    for (const { pid } of workers) {
      lines.push(`watchdog: worker ${pid}:`, ...(await stackOf(pid)));
      // A worker blocked in a synchronous call has no stack to give; what it waits for may show here.
      for (const child of childrenOf(pid)) lines.push(`  its child ${child.pid}: ${child.command}`);
    }
    process.stderr.write(`${lines.join('\n')}\n`);
    for (const { pid } of workers) process.kill(pid, 'SIGKILL');
  }
}

/** The processes whose parent is `parent`, with their command lines. */
function childrenOf(parent: number): Array<{ pid: number; command: string }> {
  const children = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      // The fourth field of stat, after the command name in parentheses, is the parent's pid.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== parent) continue;
      const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      children.push({ pid: Number(pid), command });
    } catch {
      // gone meanwhile
    }
  }
  return children;
}

/** The JavaScript stack where `pid` is, as lines; or why it could not be had. */
async function stackOf(pid: number): Promise<string[]> {
  try {
    process.kill(pid, 'SIGUSR1');
    const port = await inspectorPort(pid);
    const [target] = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{
      webSocketDebuggerUrl: string;
    }>;
    return await inspect(target!.webSocketDebuggerUrl);
  } catch (error) {
    return [`  no stack: ${(error as Error).message}`];
  }
}

/** The loopback port `pid` listens on: its inspector's, once SIGUSR1 has opened it. */
async function inspectorPort(pid: number): Promise<number> {
  for (const deadline = Date.now() + INSPECTOR_MS; Date.now() < deadline;) {
    await new Promise((r) => setTimeout(r, 200));
    const sockets = new Set<string>();
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      const inode = /^socket:\[(\d+)\]$/.exec(safeReadlink(`/proc/${pid}/fd/${fd}`))?.[1];
      if (inode) sockets.add(inode);
    }
    for (const line of readFileSync(`/proc/${pid}/net/tcp`, 'utf8').split('\n').slice(1)) {
      const [, local, , state, , , , , , inode] = line.trim().split(/\s+/);
      if (state === '0A' && inode && sockets.has(inode) && local?.startsWith('0100007F:'))
        return parseInt(local.split(':')[1]!, 16);
    }
  }
  // It opens from the main thread, at the next turn of JavaScript: a thread held in a synchronous call
  // (a child process waited for, a native call) never gets there.
  throw new Error('the inspector did not open (held outside JavaScript, in a synchronous call)');
}

function safeReadlink(file: string): string {
  try {
    return readlinkSync(file);
  } catch {
    return '';
  }
}

/** A frame as the inspector gives it: the paused ones and the awaited callers alike. */
interface Frame {
  functionName: string;
  scriptId: string;
  lineNumber: number;
}

interface Paused {
  callFrames: Array<{ functionName: string; location: Omit<Frame, 'functionName'> }>;
  asyncStackTrace?: AsyncTrace;
}

interface AsyncTrace {
  callFrames: Frame[];
  parent?: AsyncTrace;
}

interface Message {
  id?: number;
  method?: string;
  params?: Paused & { scriptId?: string; url?: string };
  result?: { result?: { value?: string } };
}

/** What the worker waits on (its handles and requests), asked even of an idle event loop. */
const RESOURCES = "process.getActiveResourcesInfo().join(', ')";

/**
 * What the program behind `url` is doing: the resources it waits on, then its stack, awaited callers
 * included. An idle event loop runs no JavaScript to pause in, and a thread held in a synchronous
 * call answers neither question.
 */
function inspect(url: string): Promise<string[]> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    // Frames name their script by id; the file's name comes with each script's parse event.
    const scripts = new Map<string, string>();
    const lines: string[] = [];
    const done = (last: string[]) => {
      clearTimeout(timer);
      ws.close();
      resolve([...lines, ...last]);
    };
    const timer = setTimeout(() => {
      const why = lines.length > 0 ? 'an idle event loop' : 'held outside JavaScript, in a synchronous call';
      done([`  no stack: it did not pause (${why})`]);
    }, INSPECTOR_MS);
    const send = (id: number, method: string, params = {}) => ws.send(JSON.stringify({ id, method, params }));
    ws.onopen = () => {
      send(1, 'Runtime.evaluate', { expression: RESOURCES, returnByValue: true });
      send(2, 'Debugger.enable');
      send(3, 'Debugger.setAsyncCallStackDepth', { maxDepth: 16 });
      send(4, 'Debugger.pause');
    };
    ws.onmessage = (event) => {
      const { id, method, params, result } = JSON.parse(String(event.data)) as Message;
      if (id === 1) lines.push(`  waiting on: ${result?.result?.value ?? '?'}`);
      if (method === 'Debugger.scriptParsed' && params?.scriptId)
        scripts.set(params.scriptId, params.url ?? '');
      if (method !== 'Debugger.paused' || !params) return;
      const line = (f: Frame) =>
        `  at ${f.functionName || '<anonymous>'} ${scripts.get(f.scriptId) ?? '?'}:${f.lineNumber + 1}`;
      done(framesOf(params).map(line));
    };
  });
}

function framesOf(paused: Paused): Frame[] {
  const frames = paused.callFrames.map((f) => ({ functionName: f.functionName, ...f.location }));
  for (let trace = paused.asyncStackTrace; trace; trace = trace.parent) frames.push(...trace.callFrames);
  return frames.slice(0, 40);
}
