import { describe, expect, it } from "vitest";
import { binIndex, binsFromUpperEdges, coarseBins, studyBins } from "./bins.js";

describe("difficulty bins", () => {
  it("are the study's eight bins at n = 256", () => {
    expect(studyBins(256).bins.map((b) => b.label)).toEqual(["0", "1-4", "5-16", "17-32", "33-64", "65-128", "129-192", "193-256"]);
    expect(coarseBins(256).bins.map((b) => b.label)).toEqual(["0-64", "65-128", "129-192", "193-256"]);
  });

  it("scale their edges with n", () => {
    expect(studyBins(1024).bins.map((b) => b.label)).toEqual(["0", "1-16", "17-64", "65-128", "129-256", "257-512", "513-768", "769-1024"]);
    // n = 8: edges round to 0,0,1,1,2,4,6,8; the empty ranges disappear
    expect(studyBins(8).bins.map((b) => b.label)).toEqual(["0", "1", "2", "3-4", "5-6", "7-8"]);
  });

  it("place counts by inclusive upper edges", () => {
    const s = studyBins(256);
    const expected: Array<[number, number]> = [[0, 0], [1, 1], [4, 1], [5, 2], [16, 2], [17, 3], [64, 4], [65, 5], [128, 5], [129, 6], [192, 6], [193, 7], [256, 7]];
    for (const [c, b] of expected) expect(binIndex(s, c, 256)).toBe(b);
  });

  it("rescale counts from a different sample count", () => {
    const s = studyBins(256);
    expect(binIndex(s, 8, 512)).toBe(1); // 4 of 256
    expect(binIndex(s, 9, 512)).toBe(2); // 4.5 of 256: above the 1-4 bin
    expect(binIndex(s, 1, 512)).toBe(1); // any success leaves the zero bin
    expect(binIndex(s, 0, 512)).toBe(0);
  });

  it("accept custom edges and reject bad ones", () => {
    expect(binsFromUpperEdges([0, 5, 10], 10).bins).toEqual([
      { label: "0", lo: 0, hi: 0 },
      { label: "1-5", lo: 1, hi: 5 },
      { label: "6-10", lo: 6, hi: 10 },
    ]);
    expect(() => binsFromUpperEdges([0, 5, 9], 10)).toThrow(/last bin edge/);
    expect(() => binsFromUpperEdges([0, 6, 5, 10], 10)).toThrow(/increase/);
  });
});
