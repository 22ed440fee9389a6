// CheckpointRegistry: roles, append-only checkpoints, RFC 9162 verification views.
const fs = require("fs");
const path = require("path");
const { expect } = require("chai");
const { ethers } = require("hardhat");
const { loadFixture, time } = require("@nomicfoundation/hardhat-network-helpers");
const { anyValue } = require("@nomicfoundation/hardhat-chai-matchers/withArgs");
const rfc = require("./rfc6962");

const hex = (buf) => ethers.hexlify(buf);
const hexAll = (bufs) => bufs.map(hex);
const ZERO = ethers.ZeroHash;
const ANCHORER_ROLE = ethers.id("ANCHORER_ROLE");
const DEFAULT_ADMIN_ROLE = ZERO;

const REPO_ROOT = path.resolve(__dirname, "..", "..");
const STANDARDS_DIR =
  process.env.CARBONLEDGER_STANDARDS_DIR || path.resolve(REPO_ROOT, "..", "shared", "standards");
const VECTORS_DIR = path.join(STANDARDS_DIR, "merkle-vectors");

async function deployFixture() {
  const [admin, anchorer, stranger] = await ethers.getSigners();
  const Registry = await ethers.getContractFactory("CheckpointRegistry");
  const registry = await Registry.deploy(admin.address);
  await registry.waitForDeployment();
  await registry.grantRole(ANCHORER_ROLE, anchorer.address);
  return { registry, admin, anchorer, stranger, asAnchorer: registry.connect(anchorer) };
}

/** A registry holding checkpoints of sizes 3 and 7 over the same 20-leaf log. */
async function anchoredFixture() {
  const base = await deployFixture();
  const log = rfc.leaves(20);
  await base.asAnchorer.appendCheckpoint(3, hex(rfc.root(log.slice(0, 3))), [], "");
  await base.asAnchorer.appendCheckpoint(
    7, hex(rfc.root(log.slice(0, 7))), hexAll(rfc.consistencyProof(3, log.slice(0, 7))), "ipfs://cp7",
  );
  return { ...base, log };
}

const rootOf = (log, n) => hex(rfc.root(log.slice(0, n)));
const proofOf = (log, m, n) => hexAll(rfc.consistencyProof(m, log.slice(0, n)));

describe("CheckpointRegistry", function () {
  describe("deployment and roles", function () {
    it("gives the deployer's chosen admin DEFAULT_ADMIN_ROLE and nobody ANCHORER_ROLE", async function () {
      const { registry, admin, stranger } = await loadFixture(deployFixture);
      expect(await registry.ANCHORER_ROLE()).to.equal(ANCHORER_ROLE);
      expect(await registry.hasRole(DEFAULT_ADMIN_ROLE, admin.address)).to.equal(true);
      expect(await registry.hasRole(ANCHORER_ROLE, admin.address)).to.equal(false);
      expect(await registry.hasRole(ANCHORER_ROLE, stranger.address)).to.equal(false);
    });

    it("refuses a zero admin", async function () {
      const Registry = await ethers.getContractFactory("CheckpointRegistry");
      await expect(Registry.deploy(ethers.ZeroAddress))
        .to.be.revertedWithCustomError(Registry, "CheckpointRegistryZeroAdmin")
        .withArgs();
    });

    it("starts empty", async function () {
      const { registry } = await loadFixture(deployFixture);
      expect(await registry.checkpointCount()).to.equal(0n);
      const latest = await registry.latestCheckpoint();
      expect(latest.treeSize).to.equal(0n);
      expect(latest.root).to.equal(ZERO);
    });

    it("refuses appends from accounts without ANCHORER_ROLE", async function () {
      const { registry, admin, stranger } = await loadFixture(deployFixture);
      for (const signer of [admin, stranger]) {
        await expect(registry.connect(signer).appendCheckpoint(1, hex(rfc.leaves(1)[0]), [], ""))
          .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
          .withArgs(signer.address, ANCHORER_ROLE);
      }
    });

    it("lets only the admin grant and revoke ANCHORER_ROLE", async function () {
      const { registry, anchorer, stranger } = await loadFixture(deployFixture);
      await expect(registry.connect(stranger).grantRole(ANCHORER_ROLE, stranger.address))
        .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, DEFAULT_ADMIN_ROLE);
      await expect(registry.revokeRole(ANCHORER_ROLE, anchorer.address))
        .to.emit(registry, "RoleRevoked")
        .withArgs(ANCHORER_ROLE, anchorer.address, anyValue);
      await expect(registry.connect(anchorer).appendCheckpoint(1, hex(rfc.leaves(1)[0]), [], ""))
        .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
        .withArgs(anchorer.address, ANCHORER_ROLE);
    });
  });

  describe("appendCheckpoint", function () {
    it("stores the first checkpoint from an empty proof and emits CheckpointAppended", async function () {
      const { registry, asAnchorer } = await loadFixture(deployFixture);
      const log = rfc.leaves(5);
      const tx = asAnchorer.appendCheckpoint(5, rootOf(log, 5), [], "https://ledger.example/cp/5");
      await expect(tx)
        .to.emit(registry, "CheckpointAppended")
        .withArgs(5n, rootOf(log, 5), 0n, "https://ledger.example/cp/5");
      const cp = await registry.checkpointBySize(5);
      expect(cp.treeSize).to.equal(5n);
      expect(cp.root).to.equal(rootOf(log, 5));
      expect(cp.previousSize).to.equal(0n);
      expect(cp.index).to.equal(0n);
      expect(cp.timestamp).to.equal(BigInt(await time.latest()));
      expect(cp.uri).to.equal("https://ledger.example/cp/5");
      expect(await registry.checkpointCount()).to.equal(1n);
    });

    it("stores an empty URI as empty and a URI longer than one slot in full", async function () {
      const { registry, asAnchorer, log } = await loadFixture(anchoredFixture);
      expect((await registry.checkpointBySize(3)).uri).to.equal("");
      expect((await registry.checkpointBySize(7)).uri).to.equal("ipfs://cp7");
      const long = "https://ledger.example/checkpoints/" + "x".repeat(70);
      await expect(asAnchorer.appendCheckpoint(9, rootOf(log, 9), proofOf(log, 7, 9), long))
        .to.emit(registry, "CheckpointAppended").withArgs(9n, rootOf(log, 9), 7n, long);
      expect((await registry.checkpointBySize(9)).uri).to.equal(long);
      expect((await registry.latestCheckpoint()).uri).to.equal(long);
    });

    it("refuses a first checkpoint with a non-empty proof", async function () {
      // No proof from the empty tree exists (RFC 9162 §2.1.4.2): whatever is sent proves nothing.
      const { registry, asAnchorer } = await loadFixture(deployFixture);
      const log = rfc.leaves(4);
      for (const proof of [[rootOf(log, 2)], [hex(rfc.root([]))], [rootOf(log, 4)]]) {
        await expect(asAnchorer.appendCheckpoint(4, rootOf(log, 4), proof, ""))
          .to.be.revertedWithCustomError(registry, "CheckpointRegistryInvalidConsistencyProof")
          .withArgs(0n, 4n);
      }
      expect(await registry.checkpointCount()).to.equal(0n);
    });

    it("takes the first checkpoint without a proof although no proof from size 0 verifies", async function () {
      const { registry, asAnchorer } = await loadFixture(deployFixture);
      const log = rfc.leaves(6);
      expect(await registry.verifyConsistency(0, 6, hex(rfc.root([])), rootOf(log, 6), [])).to.equal(false);
      await expect(asAnchorer.appendCheckpoint(6, rootOf(log, 6), [], ""))
        .to.emit(registry, "CheckpointAppended")
        .withArgs(6n, rootOf(log, 6), 0n, "");
      // the second checkpoint is proven from the first, not from the empty tree
      await expect(asAnchorer.appendCheckpoint(6 + 3, rootOf(rfc.leaves(9), 9), [], ""))
        .to.be.revertedWithCustomError(registry, "CheckpointRegistryInvalidConsistencyProof")
        .withArgs(6n, 9n);
    });

    it("appends a chain of extensions, each proven from the previous one", async function () {
      const { registry, asAnchorer } = await loadFixture(deployFixture);
      const log = rfc.leaves(100);
      const sizes = [1, 2, 3, 4, 7, 8, 13, 16, 31, 64, 65, 100];
      let previous = 0;
      for (const [i, size] of sizes.entries()) {
        await expect(asAnchorer.appendCheckpoint(size, rootOf(log, size), proofOf(log, previous, size), `cp:${size}`))
          .to.emit(registry, "CheckpointAppended")
          .withArgs(BigInt(size), rootOf(log, size), BigInt(previous), `cp:${size}`);
        expect((await registry.checkpointBySize(size)).index).to.equal(BigInt(i));
        previous = size;
      }
      expect(await registry.checkpointCount()).to.equal(BigInt(sizes.length));
      const latest = await registry.latestCheckpoint();
      expect(latest.treeSize).to.equal(100n);
      expect(latest.previousSize).to.equal(65n);
      expect(latest.root).to.equal(rootOf(log, 100));
      expect((await registry.checkpointBySize(13)).root).to.equal(rootOf(log, 13));
      expect((await registry.checkpointBySize(12)).treeSize).to.equal(0n);
    });

    it("refuses size zero", async function () {
      const { registry, asAnchorer } = await loadFixture(deployFixture);
      await expect(asAnchorer.appendCheckpoint(0, ZERO, [], ""))
        .to.be.revertedWithCustomError(registry, "CheckpointRegistryZeroSize")
        .withArgs();
    });

    it("refuses sizes beyond 64 bits", async function () {
      const { registry, asAnchorer } = await loadFixture(deployFixture);
      const size = 2n ** 64n;
      await expect(asAnchorer.appendCheckpoint(size, ZERO, [], ""))
        .to.be.revertedWithCustomError(registry, "CheckpointRegistrySizeTooLarge")
        .withArgs(size);
    });

    it("treats a re-sent latest checkpoint as an idempotent success (no event, nothing stored)", async function () {
      const { registry, asAnchorer, log } = await loadFixture(anchoredFixture);
      const args = [7, rootOf(log, 7), proofOf(log, 3, 7), "ipfs://cp7"];
      expect(await asAnchorer.appendCheckpoint.staticCall(...args)).to.equal(false);
      await expect(asAnchorer.appendCheckpoint(...args)).not.to.emit(registry, "CheckpointAppended");
      expect(await registry.checkpointCount()).to.equal(2n);
      expect((await registry.latestCheckpoint()).treeSize).to.equal(7n);
    });

    it("treats a re-sent older checkpoint as an idempotent success, whatever its proof", async function () {
      const { registry, asAnchorer, log } = await loadFixture(anchoredFixture);
      expect(await asAnchorer.appendCheckpoint.staticCall(3, rootOf(log, 3), [], "")).to.equal(false);
      await expect(asAnchorer.appendCheckpoint(3, rootOf(log, 3), [], "")).not.to.emit(registry, "CheckpointAppended");
      expect(await registry.checkpointCount()).to.equal(2n);
    });

    it("refuses an anchored size with a different root", async function () {
      const { registry, asAnchorer, log } = await loadFixture(anchoredFixture);
      const other = rootOf(rfc.leaves(30).reverse(), 7);
      await expect(asAnchorer.appendCheckpoint(7, other, [], ""))
        .to.be.revertedWithCustomError(registry, "CheckpointRegistryRootConflict")
        .withArgs(7n, rootOf(log, 7), other);
      await expect(asAnchorer.appendCheckpoint(3, other, [], ""))
        .to.be.revertedWithCustomError(registry, "CheckpointRegistryRootConflict")
        .withArgs(3n, rootOf(log, 3), other);
    });

    it("refuses a smaller size that was never anchored", async function () {
      const { registry, asAnchorer, log } = await loadFixture(anchoredFixture);
      await expect(asAnchorer.appendCheckpoint(5, rootOf(log, 5), [], ""))
        .to.be.revertedWithCustomError(registry, "CheckpointRegistryNotExtension")
        .withArgs(7n, 5n);
    });

    it("refuses a corrupted, truncated or padded consistency proof", async function () {
      const { registry, asAnchorer, log } = await loadFixture(anchoredFixture);
      const good = proofOf(log, 7, 12);
      const flipped = [...good];
      flipped[1] = ethers.toBeHex(BigInt(flipped[1]) ^ 1n, 32);
      for (const proof of [flipped, good.slice(0, -1), [...good, ZERO], []]) {
        await expect(asAnchorer.appendCheckpoint(12, rootOf(log, 12), proof, ""))
          .to.be.revertedWithCustomError(registry, "CheckpointRegistryInvalidConsistencyProof")
          .withArgs(7n, 12n);
      }
    });

    it("refuses a root that is not an extension of the latest (a forked log)", async function () {
      const { registry, asAnchorer, log } = await loadFixture(anchoredFixture);
      const forked = [...log.slice(0, 5), ...rfc.leaves(30).slice(20, 27)];
      await expect(asAnchorer.appendCheckpoint(12, rootOf(forked, 12), proofOf(forked, 7, 12), ""))
        .to.be.revertedWithCustomError(registry, "CheckpointRegistryInvalidConsistencyProof")
        .withArgs(7n, 12n);
      // the honest extension still goes through afterwards
      await expect(asAnchorer.appendCheckpoint(12, rootOf(log, 12), proofOf(log, 7, 12), ""))
        .to.emit(registry, "CheckpointAppended")
        .withArgs(12n, rootOf(log, 12), 7n, "");
      expect((await registry.checkpointBySize(12)).index).to.equal(2n);
    });
  });

  describe("verification views against the reference implementation", function () {
    it("accepts every inclusion proof of trees of 1..17 leaves and rejects a wrong index", async function () {
      const { registry } = await loadFixture(deployFixture);
      const log = rfc.leaves(17);
      for (let n = 1; n <= 17; n++) {
        const hashes = log.slice(0, n);
        const r = hex(rfc.root(hashes));
        for (let i = 0; i < n; i++) {
          const proof = hexAll(rfc.inclusionProof(i, hashes));
          expect(await registry.verifyInclusion(i, n, hex(hashes[i]), proof, r), `leaf ${i} of ${n}`).to.equal(true);
          expect(await registry.verifyInclusion(i + n, n, hex(hashes[i]), proof, r)).to.equal(false);
        }
      }
    });

    it("accepts every consistency proof between sizes 1..17 and rejects swapped roots", async function () {
      const { registry } = await loadFixture(deployFixture);
      const log = rfc.leaves(17);
      for (let n = 1; n <= 17; n++) {
        for (let m = 1; m <= n; m++) {
          const proof = proofOf(log, m, n);
          const r1 = rootOf(log, m);
          expect(await registry.verifyConsistency(m, n, r1, rootOf(log, n), proof), `${m} -> ${n}`).to.equal(true);
          if (m < n) {
            expect(await registry.verifyConsistency(m, n, rootOf(log, n), r1, proof)).to.equal(false);
          }
        }
      }
    });

    it("never accepts a consistency proof from the empty tree (RFC 9162 §2.1.4.2)", async function () {
      const { registry } = await loadFixture(deployFixture);
      const log = rfc.leaves(17);
      const empty = hex(rfc.root([]));
      for (let n = 1; n <= 17; n++) {
        for (const r1 of [ZERO, empty, rootOf(log, n)]) {
          expect(await registry.verifyConsistency(0, n, r1, rootOf(log, n), []), `0 -> ${n}`).to.equal(false);
          expect(await registry.verifyConsistency(0, n, r1, rootOf(log, n), [rootOf(log, n)])).to.equal(false);
        }
      }
      // 0 -> 0 is the equal-size case: no proof, equal roots
      expect(await registry.verifyConsistency(0, 0, empty, empty, [])).to.equal(true);
    });

    it("returns false rather than reverting for malformed input", async function () {
      const { registry } = await loadFixture(deployFixture);
      const log = rfc.leaves(8);
      expect(await registry.verifyInclusion(0, 0, hex(log[0]), [], ZERO)).to.equal(false);
      expect(await registry.verifyConsistency(5, 3, ZERO, ZERO, [])).to.equal(false);
      expect(await registry.verifyConsistency(3, 3, rootOf(log, 3), rootOf(log, 3), [ZERO])).to.equal(false);
      expect(await registry.verifyConsistency(0, 3, ZERO, rootOf(log, 3), [ZERO])).to.equal(false);
      expect(await registry.verifyConsistency(0, 3, ZERO, rootOf(log, 3), [])).to.equal(false);
      expect(await registry.verifyConsistency(3, 8, rootOf(log, 3), rootOf(log, 8), [])).to.equal(false);
    });
  });

  describe("shared merkle vectors (transparency-dev/merkle testdata)", function () {
    const decode = (b64) => Buffer.from(b64 || "", "base64");
    const encodable = (...bufs) => bufs.every((b) => b.length === 32);

    for (const kind of ["inclusion", "consistency"]) {
      const kindDir = path.join(VECTORS_DIR, kind);
      const files = fs.existsSync(kindDir)
        ? fs.readdirSync(kindDir).flatMap((d) =>
            fs.readdirSync(path.join(kindDir, d)).filter((f) => f.endsWith(".json")).map((f) => path.join(d, f)))
        : [];
      if (files.length === 0) {
        it(`finds the ${kind} vectors under ${kindDir}`, function () {
          this.skip(); // standards folder absent: set CARBONLEDGER_STANDARDS_DIR
        });
      }
      for (const file of files.sort()) {
        it(`${kind}/${file}`, async function () {
          const { registry } = await loadFixture(deployFixture);
          // Sizes and indices are uint64 (some vectors wrap around 0): keep big ones exact.
          const text = fs.readFileSync(path.join(kindDir, file), "utf8").replace(/:\s*(\d{16,})/g, ': "$1"');
          const v = JSON.parse(text);
          const proof = (v.proof || []).map(decode);
          let ok;
          if (kind === "inclusion") {
            const [leaf, r] = [decode(v.leafHash), decode(v.root)];
            // A hash that is not 32 bytes cannot even be ABI-encoded as bytes32: that is "false".
            ok = encodable(leaf, r, ...proof)
              ? await registry.verifyInclusion(BigInt(v.leafIdx), BigInt(v.treeSize), hex(leaf), hexAll(proof), hex(r))
              : false;
          } else {
            const [r1, r2] = [decode(v.root1), decode(v.root2)];
            ok = encodable(r1, r2, ...proof)
              ? await registry.verifyConsistency(BigInt(v.size1), BigInt(v.size2), hex(r1), hex(r2), hexAll(proof))
              : false;
            if (BigInt(v.size1) === 0n && BigInt(v.size2) !== 0n) {
              // Documented deviation: a proof from the empty tree never verifies (RFC 9162
              // §2.1.4.2, transparency-dev/merkle today), even where older testdata wants success.
              expect(ok, v.desc).to.equal(false);
              return;
            }
          }
          expect(ok, v.desc).to.equal(!v.wantErr);
        });
      }
    }
  });
});
