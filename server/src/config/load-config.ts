import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { originConfigSchema, type OriginConfig } from './config-schema.js';

/** One problem found in a config file. */
export interface ConfigIssue {
  /** Field path, e.g. `transcode.ladder[1].bitrate`; empty for the document itself. */
  path: string;
  /** What is wrong, e.g. `expected a positive number of seconds`. */
  message: string;
}

/**
 * A config file that cannot be used. The message names the file and, for
 * each problem, the field path:
 * `llstream.yaml: transcode.ladder[1].bitrate: expected bits/s, e.g. 2500000, 2500k or 2.5M`
 * (one line per problem).
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** The file (as given) or `source` label the problems are in. */
  readonly source: string;
  /** Every problem found. */
  readonly issues: readonly ConfigIssue[];

  constructor(source: string, issues: readonly ConfigIssue[]) {
    super(issues.map((issue) => `${source}: ${issue.path === '' ? '' : `${issue.path}: `}${issue.message}`).join('\n'));
    this.source = source;
    this.issues = issues;
  }
}

/** `['transcode', 'ladder', 1, 'bitrate']` → `transcode.ladder[1].bitrate`. */
function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

function toIssues(error: z.ZodError): ConfigIssue[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: 'unknown field' }));
    }
    return [{ path: formatPath(issue.path), message: issue.message }];
  });
}

/**
 * Validates a parsed config document (YAML or JSON value) and fills in
 * every default.
 * @param source name used in error messages, e.g. the file name.
 * @throws ConfigError listing every problem with its field path.
 */
export function parseConfig(value: unknown, source = 'config'): OriginConfig {
  // An empty YAML document is null: all defaults.
  const result = originConfigSchema.safeParse(value ?? {});
  if (!result.success) throw new ConfigError(source, toIssues(result.error));
  return result.data;
}

/**
 * Reads and validates the origin's config file: YAML for `.yaml`/`.yml`,
 * JSON for `.json`. Every field is optional; see {@link OriginConfig} for
 * the defaults.
 * @param path the file; without one, the defaults.
 * @throws ConfigError if the file cannot be read, does not parse, has an
 *   unknown extension or fails validation; the message names the file and
 *   the field path.
 */
export async function loadConfig(path?: string): Promise<OriginConfig> {
  if (path === undefined) return defaultConfig();
  const extension = extname(path).toLowerCase();
  if (!['.yaml', '.yml', '.json'].includes(extension)) {
    throw new ConfigError(path, [{ path: '', message: 'expected a .yaml, .yml or .json file' }]);
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    throw new ConfigError(path, [{ path: '', message: code === 'ENOENT' ? 'file not found' : `cannot read: ${message}` }]);
  }
  let value: unknown;
  try {
    value = extension === '.json' ? JSON.parse(text) : parseYaml(text, { prettyErrors: true });
  } catch (error) {
    const detail = error instanceof YAMLParseError ? error.message.split('\n')[0]! : (error as Error).message;
    throw new ConfigError(path, [{ path: '', message: `not valid ${extension === '.json' ? 'JSON' : 'YAML'}: ${detail}` }]);
  }
  return parseConfig(value, path);
}

/** Every default: the config an empty file gives. */
export function defaultConfig(): OriginConfig {
  return parseConfig({});
}
