// Kubernetes resource quantities in the canonical form the API server stores (1000m → 1, 0.5 → 500m,
// 1024Mi → 1Gi). The builders write canonical values so that what they want compares equal to what
// the server returns; otherwise every reconcile would see a difference and apply again.

const DECIMAL_EXPONENTS: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const BINARY_POWERS: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL_ORDER = ['n', 'u', 'm', '', 'k', 'M', 'G', 'T', 'P', 'E'];
const BINARY_ORDER = ['Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|)$/;

/** `digits` × 10^`exp10` as an exact fraction numerator over 10^scale. */
function toNano(digits: string, exp10: number): bigint | undefined {
  const [whole, frac = ''] = digits.split('.');
  const scaled = BigInt((whole || '0') + frac) * 10n ** BigInt(9 + exp10);
  const divisor = 10n ** BigInt(frac.length);
  // Kubernetes rounds up anything finer than a nano-unit; the builders never produce such values.
  return scaled % divisor === 0n ? scaled / divisor : (scaled + divisor - 1n) / divisor;
}

/**
 * The canonical form of `quantity`, or the input unchanged when it is not a plain decimal or binary
 * quantity (exponent forms such as `1e3` keep their own format on the server too).
 */
export function canonicalQuantity(quantity: string | number): string {
  const text = String(quantity).trim();
  const m = QUANTITY.exec(text);
  if (!m) return text;
  const [, sign, digits, suffix] = m;
  if (suffix in BINARY_POWERS) {
    const nano = toNano(digits, 0)! * 1024n ** BigInt(BINARY_POWERS[suffix]);
    if (nano % 1_000_000_000n === 0n) {
      let value = nano / 1_000_000_000n;
      let unit = '';
      for (const next of BINARY_ORDER) {
        if (value === 0n || value % 1024n !== 0n) break;
        value /= 1024n;
        unit = next;
      }
      return `${sign === '-' ? '-' : ''}${value}${unit}`;
    }
    return canonicalDecimal(sign, nano);
  }
  return canonicalDecimal(sign, toNano(digits, DECIMAL_EXPONENTS[suffix])!);
}

function canonicalDecimal(sign: string, nano: bigint): string {
  if (nano === 0n) return '0';
  let value = nano;
  let index = 0; // DECIMAL_ORDER[0] is nano
  while (index < DECIMAL_ORDER.length - 1 && value % 1000n === 0n) {
    value /= 1000n;
    index += 1;
  }
  return `${sign === '-' ? '-' : ''}${value}${DECIMAL_ORDER[index]}`;
}
