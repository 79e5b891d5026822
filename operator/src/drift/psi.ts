// PSI and the Jensen-Shannon distance live in @sentiment-operator/contract (contract/src/psi.ts), so
// that the model server's playground computes drift exactly as the evaluator does; re-exported here
// for the drift modules.
export {
  PSEUDO_COUNT,
  UNKNOWN_N_EPSILON,
  jsDistance,
  psi,
  smooth,
  smoothedPsi,
} from '@sentiment-operator/contract';
