/**
 * In-process gateway and upstream for Gatehouse's own tests. The machinery lives in the public
 * test kit (`src/testing/index.ts`, shipped as `gatehouse/testing`) so plugin authors get
 * the same harness.
 */
export {
  memorySink,
  startGateway,
  startUpstream,
  type TestGateway,
  type TestUpstream,
} from '../../src/testing/index.ts';
