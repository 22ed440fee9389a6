// Naive RFC 6962 reference (recursive definitions of RFC 6962 §2.1) for the contract tests.
// Slow and obviously correct; only for trees of a few hundred leaves.
const { createHash } = require("crypto");

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

const sha256 = (...parts) => createHash("sha256").update(Buffer.concat(parts)).digest();
const leafHash = (data) => sha256(LEAF_PREFIX, Buffer.from(data));
const nodeHash = (left, right) => sha256(NODE_PREFIX, left, right);

/** Largest power of two strictly smaller than n (n > 1). */
function splitPoint(n) {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[n]) over leaf hashes. */
function root(hashes) {
  if (hashes.length === 0) return sha256(Buffer.alloc(0));
  if (hashes.length === 1) return hashes[0];
  const k = splitPoint(hashes.length);
  return nodeHash(root(hashes.slice(0, k)), root(hashes.slice(k)));
}

/** PATH(m, D[n]): inclusion proof of leaf m. */
function inclusionProof(m, hashes) {
  if (hashes.length <= 1) return [];
  const k = splitPoint(hashes.length);
  if (m < k) return [...inclusionProof(m, hashes.slice(0, k)), root(hashes.slice(k))];
  return [...inclusionProof(m - k, hashes.slice(k)), root(hashes.slice(0, k))];
}

/** SUBPROOF(m, D[n], b). */
function subproof(m, hashes, complete) {
  const n = hashes.length;
  if (m === n) return complete ? [] : [root(hashes)];
  const k = splitPoint(n);
  if (m <= k) return [...subproof(m, hashes.slice(0, k), complete), root(hashes.slice(k))];
  return [...subproof(m - k, hashes.slice(k), false), root(hashes.slice(0, k))];
}

/** PROOF(m, D[n]): consistency proof from size m to size n = hashes.length. */
function consistencyProof(m, hashes) {
  if (m === 0 || m === hashes.length) return [];
  return subproof(m, hashes, true);
}

/** Leaf hashes of a deterministic tree of n leaves. */
function leaves(n) {
  return Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`record-${i}`)));
}

module.exports = { leafHash, nodeHash, root, inclusionProof, consistencyProof, leaves };
