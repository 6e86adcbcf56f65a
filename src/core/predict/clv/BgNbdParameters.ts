/**
 * The BG/NBD model's parameters (Fader, Hardie and Lee 2005): while alive, a customer buys at
 * a rate drawn from Gamma(r, alpha) (alpha in the unit of time, weeks here); after each
 * purchase they drop out with a probability drawn from Beta(a, b).
 */
export interface BgNbdParameters {
  readonly r: number;
  readonly alpha: number;
  readonly a: number;
  readonly b: number;
}
