// Hardhat 2 configuration for CarbonLedger's contracts.
//
// Offline by construction: the Solidity compiler is the npm `solc` package (solcjs,
// pinned in package.json), never a download. The same settings are used by the Python
// compile step (ledger/chain/compile.py), so both produce the same bytecode.
require("@nomicfoundation/hardhat-ethers");
require("@nomicfoundation/hardhat-chai-matchers");
const path = require("path");
const { subtask } = require("hardhat/config");
const { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } = require("hardhat/builtin-tasks/task-names");

const SOLC_VERSION = "0.8.30";

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args, hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) {
    return runSuper();
  }
  const solc = require("solc");
  return {
    compilerPath: path.join(__dirname, "node_modules", "solc", "soljson.js"),
    isSolcJs: true,
    version: SOLC_VERSION,
    longVersion: solc.version(),
  };
});

/** @type import('hardhat/config').HardhatUserConfig */
module.exports = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      // "shanghai" explicitly: the same bytecode must run on Ganache 7, Hardhat, anvil and py-evm.
      evmVersion: "shanghai",
      // 10,000 runs: appends are paid on every checkpoint, deployment once.
      optimizer: { enabled: true, runs: 10000 },
    },
  },
  paths: {
    sources: "./contracts",
    tests: "./tests/contracts",
    cache: "./cache",
    artifacts: "./artifacts",
  },
  mocha: { timeout: 120000 },
};
