import type { Command } from 'commander';
import { seededRandom } from '../core/common/random.js';
import { AttuneError } from '../core/errors/AttuneError.js';
import { describeClusters } from '../core/predict/cluster/describeClusters.js';
import { kmeans } from '../core/predict/cluster/kmeans.js';
import type { Matrix } from '../core/predict/cluster/Matrix.js';
import { silhouette } from '../core/predict/cluster/silhouette.js';
import { standardize } from '../core/predict/cluster/standardize.js';
import { suggestK, type KCandidate } from '../core/predict/cluster/suggestK.js';
import { trainSom } from '../core/predict/cluster/trainSom.js';
import { readMatrix } from '../predict/readMatrix.js';
import { numberOption } from './numberOption.js';

interface ClusterFlags {
  matrix: string;
  k?: string;
  seed: string;
  restarts: string;
  standardize?: boolean;
  som?: string;
  topology: string;
  epochs: string;
  silhouette: boolean;
  json?: boolean;
}

/**
 * Adds `cluster` to the `eval` group: k-means (or a self-organizing map) on a numeric CSV,
 * with the silhouette and each cluster described by what sets it apart (docs/predict-cluster.md).
 *
 * @example addEvalClusterCommand(program.command('eval'))
 */
export function addEvalClusterCommand(evalGroup: Command): Command {
  return evalGroup.command('cluster')
    .description('segments found in a numeric CSV: k-means (k-means++, restarts) with the silhouette and each cluster\'s distinguishing features, or a self-organizing map')
    .requiredOption('--matrix <file>', 'a CSV with a header line and numbers only (one row per customer)')
    .option('--k <k>', 'number of clusters, or "auto" (k from 2 to 10 of best mean silhouette); required without --som')
    .option('--seed <n>', 'seed of the k-means++ draws and of the map', '1')
    .option('--restarts <n>', 'k-means runs from fresh seeds; the lowest inertia is kept', '10')
    .option('--standardize', 'cluster the z-scores of the columns (recommended when columns have different units)')
    .option('--som <RxC>', 'train a ROWSxCOLS self-organizing map instead of k-means, e.g. 6x6')
    .option('--topology <t>', 'with --som: rectangular or hexagonal', 'rectangular')
    .option('--epochs <n>', 'with --som: passes over the rows', '20')
    .option('--no-silhouette', 'skip the silhouette (it costs n^2/2 distances)')
    .option('--json', 'print the result as JSON')
    .action((flags: ClusterFlags) => {
      process.stdout.write(evalCluster(flags));
    });
}

function usage(detail: string, field: string): AttuneError {
  return new AttuneError('ATTUNE_INVALID_REQUEST', { detail, field });
}

function evalCluster(flags: ClusterFlags): string {
  const seed = numberOption('--seed', flags.seed, 0, 2 ** 32 - 1, true);
  const restarts = numberOption('--restarts', flags.restarts, 1, 1000, true);
  if (flags.som === undefined && flags.k === undefined) throw usage('--k is required (a number or "auto") unless --som is given', '--k');
  const grid = flags.som === undefined ? undefined : parseGrid(flags.som);
  if (flags.topology !== 'rectangular' && flags.topology !== 'hexagonal') throw usage(`--topology must be rectangular or hexagonal, got "${flags.topology}"`, '--topology');
  const epochs = numberOption('--epochs', flags.epochs, 1, 10_000, true);
  const { header, matrix: raw } = readMatrix(flags.matrix);
  const matrix = flags.standardize === true ? standardize(raw).matrix : raw;
  const random = seededRandom(seed);
  if (grid !== undefined) {
    const som = trainSom(matrix, { gridRows: grid[0], gridCols: grid[1], topology: flags.topology, epochs }, random);
    const result = { quantizationError: som.quantizationErrors[som.quantizationErrors.length - 1]!, topographicError: som.topographicError, quantizationErrors: som.quantizationErrors, units: Array.from(som.units) };
    if (flags.json === true) return `${JSON.stringify(result)}\n`;
    return `self-organizing map ${grid[0]}x${grid[1]} (${flags.topology}), ${epochs} epochs on ${raw.rows} rows\nquantization error ${result.quantizationError.toFixed(4)} (first epoch ${som.quantizationErrors[0]!.toFixed(4)}), topographic error ${result.topographicError.toFixed(4)}\n`;
  }
  const { k, candidates } = chooseK(flags.k!, matrix, restarts, random);
  const model = kmeans(matrix, { k, restarts }, random);
  const score = flags.silhouette ? silhouette(matrix, model.labels).mean : null;
  const clusters = describeClusters(raw, model.labels, k, header);
  if (flags.json === true) {
    return `${JSON.stringify({ k, inertia: model.inertia, silhouette: score, labels: Array.from(model.labels), clusters, ...(candidates === undefined ? {} : { candidates }) })}\n`;
  }
  const lines = [
    `k-means, k = ${k}${candidates === undefined ? '' : ' (auto: best mean silhouette)'}, ${restarts} restarts on ${raw.rows} rows${flags.standardize === true ? ' (standardized)' : ''}`,
    `inertia ${model.inertia.toFixed(4)}${score === null ? '' : `, mean silhouette ${score.toFixed(4)}`}`,
    ...(candidates ?? []).map((c) => `  k ${c.k}: inertia ${c.inertia.toFixed(4)}, silhouette ${c.silhouette.toFixed(4)}`),
    '',
    ...clusters.map((c) => `cluster ${c.cluster}: ${c.size} rows, ${c.summary}`),
  ];
  return `${lines.join('\n')}\n`;
}

function chooseK(raw: string, matrix: Matrix, restarts: number, random: ReturnType<typeof seededRandom>): { k: number; candidates?: readonly KCandidate[] } {
  if (raw !== 'auto') return { k: numberOption('--k', raw, 1, matrix.rows, true) };
  const kMax = Math.min(10, matrix.rows - 1);
  if (kMax < 2) throw usage('--k auto needs at least 3 rows', '--k');
  const suggested = suggestK(matrix, { kMin: 2, kMax, restarts }, random);
  return { k: suggested.bySilhouette, candidates: suggested.candidates };
}

function parseGrid(text: string): [number, number] {
  const match = /^(\d+)x(\d+)$/i.exec(text.trim());
  const rows = Number(match?.[1]);
  const cols = Number(match?.[2]);
  if (match === null || rows < 1 || cols < 1 || rows * cols > 10_000) throw usage(`--som must be ROWSxCOLS with at most 10000 units, e.g. 6x6; got "${text}"`, '--som');
  return [rows, cols];
}
