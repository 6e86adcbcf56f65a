/**
 * The figures of docs/predict-cluster.md, measured once (not a test):
 *   npx tsx scripts/clusterFigures.ts timing   100,000 x 20, k = 8, 10 restarts (blobs and uniform)
 *   npx tsx scripts/clusterFigures.ts cdnow    CDNOW RFM: inertia vs the best of 50 restarts, silhouette per k, SOM errors
 * CDNOW is read from ../shared/data/cdnow/CDNOW_master.txt.
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { seededRandom } from '../src/core/common/random.js';
import { dayOf } from '../src/core/predict/orders/Order.js';
import { parseCdnow } from '../src/core/predict/orders/parseCdnow.js';
import { describeClusters } from '../src/core/predict/cluster/describeClusters.js';
import { kmeans } from '../src/core/predict/cluster/kmeans.js';
import { matchClusters } from '../src/core/predict/cluster/matchClusters.js';
import type { Matrix } from '../src/core/predict/cluster/Matrix.js';
import { rfmFeatures, rfmMatrix } from '../src/core/predict/cluster/rfmMatrix.js';
import { silhouette } from '../src/core/predict/cluster/silhouette.js';
import { standardize } from '../src/core/predict/cluster/standardize.js';
import { elbowOf } from '../src/core/predict/cluster/suggestK.js';
import { trainSom } from '../src/core/predict/cluster/trainSom.js';

function syntheticRows(kind: 'blobs' | 'uniform', n: number, d: number, k: number): Matrix {
  const random = seededRandom(1);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next());
  const centres = Array.from({ length: k }, () => Array.from({ length: d }, () => (random.next() * 2 - 1) * 5));
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) data[i * d + c] = kind === 'uniform' ? random.next() : centres[i % k]![c]! + 2 * gauss();
  return { rows: n, cols: d, data };
}

function timing(): void {
  console.log(`# ${new Date().toISOString()}, ${cpus()[0]?.model ?? '?'} x ${cpus().length}, Node ${process.version}`);
  for (const kind of ['blobs', 'uniform'] as const) {
    const matrix = syntheticRows(kind, 100_000, 20, 8);
    for (const localTrials of [undefined, 1]) {
      const wall = performance.now();
      const cpu = process.cpuUsage();
      const result = kmeans(matrix, { k: 8, restarts: 10, localTrials }, seededRandom(2));
      const used = process.cpuUsage(cpu);
      console.log(JSON.stringify({
        kind, seeding: localTrials === 1 ? 'k-means++' : 'greedy k-means++', wallSeconds: (performance.now() - wall) / 1000, cpuSeconds: (used.user + used.system) / 1e6,
        inertia: result.inertia, restartInertias: result.restartInertias.map((x) => Math.round(x)),
      }));
    }
  }
}

function cdnow(): void {
  const url = new URL('../../shared/data/cdnow/CDNOW_master.txt', import.meta.url);
  const orders = parseCdnow(readFileSync(url, 'utf8')).orders;
  const rfm = rfmMatrix(orders, dayOf('1998-06-30')!, true);
  const original = rfmMatrix(orders, dayOf('1998-06-30')!, false).matrix;
  const { matrix } = standardize(rfm.matrix);
  console.log(`# ${new Date().toISOString()}, ${matrix.rows} customers`);
  const rows: { k: number; inertia: number; best50: number; aboveBestPercent: number; silhouette: number }[] = [];
  for (let k = 2; k <= 8; k++) {
    const ten = kmeans(matrix, { k, restarts: 10 }, seededRandom(1));
    const fifty = kmeans(matrix, { k, restarts: 50, tolerance: 0 }, seededRandom(99));
    rows.push({ k, inertia: ten.inertia, best50: fifty.inertia, aboveBestPercent: (ten.inertia / fifty.inertia - 1) * 100, silhouette: silhouette(matrix, ten.labels).mean });
    console.log(JSON.stringify(rows[rows.length - 1]));
  }
  console.log(JSON.stringify({ elbow: elbowOf(rows.map((r) => r.k), rows.map((r) => r.inertia)), bySilhouette: rows.reduce((a, b) => (b.silhouette > a.silhouette ? b : a)).k }));
  for (const k of [2, 4]) {
    const one = kmeans(matrix, { k, restarts: 10 }, seededRandom(1));
    for (const c of describeClusters(original, one.labels, k, rfmFeatures)) console.log(JSON.stringify({ k, cluster: c.cluster, size: c.size, means: c.means.map((m) => Number(m.toFixed(1))), summary: c.summary }));
    const other = kmeans(matrix, { k, restarts: 10 }, seededRandom(2));
    const match = matchClusters(one, other);
    console.log(JSON.stringify({ k, stabilityAcrossSeeds: match.shareKept, meanCentroidDistance: match.meanCentroidDistance }));
  }
  for (const topology of ['rectangular', 'hexagonal'] as const) {
    const som = trainSom(matrix, { gridRows: 6, gridCols: 6, topology, epochs: 20 }, seededRandom(3));
    console.log(JSON.stringify({ som: `6x6 ${topology}`, quantizationErrors: som.quantizationErrors.map((e) => Number(e.toFixed(4))), topographicError: som.topographicError }));
  }
}

if (process.argv[2] === 'timing') timing();
else if (process.argv[2] === 'cdnow') cdnow();
else console.log('usage: npx tsx scripts/clusterFigures.ts timing|cdnow');
