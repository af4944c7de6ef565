import type { Target, TargetList } from '../model/target.js';
import { deriveName, type Unnamed } from './names.js';

// A list file's targets kept as their URL bytes, line and category: about 30 bytes a target, where a
// Target object is over 400. Each Target is made again from these when asked (the URL parsed anew):
// a million-URL list is measured in bounded memory, the list read once.

/** Makes a list's target again from what is kept of it (the same as reading its line made it). */
export type Remake = (url: string, line: number, category: string | undefined) => Unnamed;

export class ListedTargets implements TargetList {
  length = 0;
  private bytes = Buffer.alloc(1 << 16);
  private used = 0;
  /** Where each URL ends in `bytes`. */
  private ends = new Uint32Array(1 << 10);
  private lines = new Uint32Array(1 << 10);
  /** 1 + the index of the target's category in `categories`; 0 for none. */
  private categoryOf = new Uint16Array(1 << 10);
  private readonly categories: string[] = [];
  private readonly categoryIndex = new Map<string, number>();
  /** The "#n" of a name taken before (by the list's order), for the few targets that have one. */
  private readonly suffixes = new Map<number, number>();

  constructor(private readonly remake: Remake) {}

  /** Keeps an entry; `suffix` (2 and up) when its derived name was taken already. */
  add(entry: Unnamed, suffix?: number): void {
    const i = this.length++;
    if (i === this.ends.length) this.grow();
    const size = Buffer.byteLength(entry.url);
    if (this.used + size > this.bytes.length) {
      const bytes = Buffer.alloc(Math.max(this.bytes.length * 2, this.used + size));
      this.bytes.copy(bytes, 0, 0, this.used);
      this.bytes = bytes;
    }
    this.used += this.bytes.write(entry.url, this.used);
    this.ends[i] = this.used;
    this.lines[i] = entry.source.line;
    this.categoryOf[i] = entry.category === undefined ? 0 : this.categoryNumber(entry.category);
    if (suffix !== undefined) this.suffixes.set(i, suffix);
  }

  /** Gives back what the arrays grew past the list (up to half of them), once it is read. */
  trim(): void {
    this.bytes = Buffer.from(this.bytes.subarray(0, this.used));
    this.ends = this.ends.slice(0, this.length);
    this.lines = this.lines.slice(0, this.length);
    this.categoryOf = this.categoryOf.slice(0, this.length);
  }

  at(index: number): Target | undefined {
    if (index < 0 || index >= this.length) return undefined;
    const url = this.bytes.toString('utf8', index === 0 ? 0 : this.ends[index - 1], this.ends[index]);
    const category = this.categoryOf[index]!;
    const entry = this.remake(
      url,
      this.lines[index]!,
      category === 0 ? undefined : this.categories[category - 1],
    );
    const suffix = this.suffixes.get(index);
    return { name: suffix === undefined ? deriveName(entry) : `${deriveName(entry)}#${suffix}`, ...entry };
  }

  private categoryNumber(category: string): number {
    let n = this.categoryIndex.get(category);
    if (n === undefined) {
      if (this.categories.length === 0xfffe) throw new RangeError('more than 65,534 categories in one list');
      n = this.categories.push(category);
      this.categoryIndex.set(category, n);
    }
    return n;
  }

  private grow() {
    const grown = <A extends Uint32Array | Uint16Array>(a: A, make: (n: number) => A): A => {
      const b = make(Math.max(a.length * 2, 1 << 10));
      b.set(a);
      return b;
    };
    this.ends = grown(this.ends, (n) => new Uint32Array(n));
    this.lines = grown(this.lines, (n) => new Uint32Array(n));
    this.categoryOf = grown(this.categoryOf, (n) => new Uint16Array(n));
  }
}

/** Lists and arrays of targets one after the other, as one list. */
export class JoinedTargets implements TargetList {
  readonly length: number;

  constructor(private readonly parts: TargetList[]) {
    this.length = parts.reduce((n, p) => n + p.length, 0);
  }

  at(index: number): Target | undefined {
    let i = index;
    for (const part of this.parts) {
      if (i < part.length) return i < 0 ? undefined : part.at(i);
      i -= part.length;
    }
    return undefined;
  }
}

/** Every target of a list, as an array (for what reads them all at once: `targets`, doctor). */
export const arrayOf = (list: TargetList): Target[] =>
  Array.from({ length: list.length }, (_, i) => list.at(i)!);
