// Reads what the panel shows of a logged model from its MLmodel file (YAML): the flavors and
// the signature. A small reader for the block-mapping YAML that MLmodel files are written in,
// not a general YAML parser.

export interface SignatureField {
  name: string;
  type: string;
}

export interface ModelSummary {
  flavors: string[];
  inputs: SignatureField[] | null;
  outputs: SignatureField[] | null;
  /** Other top-level scalars worth showing (mltrack_version, model_size_bytes, ...). */
  facts: Record<string, string>;
}

type YamlValue = string | null | YamlMap;
interface YamlMap {
  [key: string]: YamlValue;
}

interface Line {
  indent: number;
  text: string;
}

/** Parses nested `key: value` mappings; quoted scalars may continue on more-indented lines. */
export function parseYamlMapping(text: string): YamlMap {
  const lines: Line[] = text
    .split(/\r?\n/)
    .filter(l => l.trim() !== '' && !l.trim().startsWith('#'))
    .map(l => ({ indent: l.length - l.trimStart().length, text: l.trim() }));
  let i = 0;

  function block(indent: number): YamlMap {
    const map: YamlMap = {};
    while (i < lines.length && lines[i].indent === indent) {
      const match = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^:]+?)\s*:(?:\s+(.*))?$/.exec(lines[i].text);
      i++;
      if (!match) {
        continue;
      }
      const key = unquote(match[1]);
      let rest = match[2] ?? '';
      if (rest === '') {
        map[key] = i < lines.length && lines[i].indent > indent ? block(lines[i].indent) : null;
        continue;
      }
      // a quoted scalar folded over several lines: join them with spaces until it closes
      while (isOpenQuote(rest) && i < lines.length && lines[i].indent > indent) {
        rest += ' ' + lines[i].text;
        i++;
      }
      map[key] = scalar(rest);
    }
    // skip lines we do not understand (a sequence, deeper indentation)
    while (i < lines.length && lines[i].indent > indent) {
      i++;
    }
    return map;
  }

  const result: YamlMap = {};
  while (i < lines.length) {
    Object.assign(result, block(lines[i].indent));
  }
  return result;
}

function isOpenQuote(text: string): boolean {
  if (text.startsWith("'")) {
    return !/^'(?:[^']|'')*'$/.test(text);
  }
  if (text.startsWith('"')) {
    return !/^"(?:[^"\\]|\\.)*"$/.test(text);
  }
  return false;
}

function unquote(text: string): string {
  if (text.startsWith("'") && text.endsWith("'") && text.length >= 2) {
    return text.slice(1, -1).replace(/''/g, "'");
  }
  if (text.startsWith('"') && text.endsWith('"') && text.length >= 2) {
    try {
      return JSON.parse(text) as string;
    } catch {
      return text.slice(1, -1);
    }
  }
  return text;
}

function scalar(text: string): string | null {
  return text === 'null' || text === '~' ? null : unquote(text);
}

/** The signature's column list (`[{"name", "type"}]` or tensor specs) as name/type pairs. */
export function parseSignatureFields(json: string | null | undefined): SignatureField[] | null {
  if (!json) {
    return null;
  }
  try {
    const fields = JSON.parse(json) as Array<Record<string, unknown>>;
    return fields.map((field, index) => {
      const tensor = field['tensor-spec'] as { dtype?: string; shape?: unknown } | undefined;
      const type = tensor
        ? `tensor ${tensor.dtype ?? ''} ${JSON.stringify(tensor.shape ?? [])}`.trim()
        : String(field.type ?? '?');
      return { name: typeof field.name === 'string' ? field.name : `#${index}`, type };
    });
  } catch {
    return null;
  }
}

const FACT_KEYS = ['mltrack_version', 'mlflow_version', 'model_size_bytes', 'utc_time_created', 'model_uuid'];

export function summarizeMLmodel(text: string): ModelSummary {
  const yaml = parseYamlMapping(text);
  const flavors = yaml.flavors && typeof yaml.flavors === 'object' ? Object.keys(yaml.flavors) : [];
  const signature = yaml.signature && typeof yaml.signature === 'object' ? yaml.signature : {};
  const facts: Record<string, string> = {};
  for (const key of FACT_KEYS) {
    const value = yaml[key];
    if (typeof value === 'string') {
      facts[key] = value;
    }
  }
  return {
    flavors,
    inputs: parseSignatureFields(signature.inputs as string | null | undefined),
    outputs: parseSignatureFields(signature.outputs as string | null | undefined),
    facts
  };
}
