// The names a load has given so far, in memory that does not hold the names: a million of them as
// strings in a Set took 170 MB while the list was read, over a tenth of it as a hash and a number
// here. A name is found by its hash, and told apart from another of the same hash by making that
// one's name again from its list (see ListedTargets), which a 32-bit hash asks for a few times a million.

const EMPTY = -1;

/** FNV-1a over the string's UTF-16 code units. */
function hashOf(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export class TakenNames {
  private hashes = new Uint32Array(1 << 10);
  /** The number of the target whose name is in the slot (its place among the derived names), or EMPTY. */
  private refs = new Int32Array(1 << 10).fill(EMPTY);
  private count = 0;

  /**
   * `explicit`: names given in targets files, never derived; `nameOf`: a derived name again from the
   * number it was added with.
   */
  constructor(
    private readonly explicit: ReadonlySet<string>,
    private readonly nameOf: (ref: number) => string,
  ) {}

  has(name: string): boolean {
    if (this.explicit.has(name)) return true;
    const hash = hashOf(name);
    const mask = this.refs.length - 1;
    for (let slot = hash & mask; this.refs[slot] !== EMPTY; slot = (slot + 1) & mask) {
      if (this.hashes[slot] === hash && this.nameOf(this.refs[slot]!) === name) return true;
    }
    return false;
  }

  /** Takes `name` (not taken yet) for the derived name numbered `ref`. */
  add(name: string, ref: number): void {
    if (2 * (this.count + 1) > this.refs.length) this.grow();
    this.place(hashOf(name), ref);
    this.count++;
  }

  private place(hash: number, ref: number) {
    const mask = this.refs.length - 1;
    let slot = hash & mask;
    while (this.refs[slot] !== EMPTY) slot = (slot + 1) & mask;
    this.hashes[slot] = hash;
    this.refs[slot] = ref;
  }

  private grow() {
    const { hashes, refs } = this;
    this.hashes = new Uint32Array(refs.length * 2);
    this.refs = new Int32Array(refs.length * 2).fill(EMPTY);
    for (let slot = 0; slot < refs.length; slot++)
      if (refs[slot] !== EMPTY) this.place(hashes[slot]!, refs[slot]!);
  }
}
