/** The part of jStat (no types of its own) the gate uses: Student's t and chi-square. */
declare module 'jstat' {
  const jstat: {
    jStat: {
      studentt: { cdf(x: number, df: number): number; inv(p: number, df: number): number };
      chisquare: { inv(p: number, df: number): number };
    };
  };
  export default jstat;
}
