// The package ioredis itself uses to place keys (it has no typings of its own).
declare module 'cluster-key-slot' {
  /** The Redis Cluster slot (0-16383) of a key: CRC16 of its hash tag, or of the whole key without one. */
  function calculateSlot(key: string | Buffer): number;
  export = calculateSlot;
}
