/**
 * JSON with exact numbers: every number is returned as its decimal text, exactly as the
 * provider wrote it ("67187.339110000001"), never as a float. Otherwise as JSON.parse.
 */

export type ExactJson = string | boolean | null | ExactJson[] | { [key: string]: ExactJson };

/** A JSON number token, as the grammar has it. */
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Parses JSON text; numbers become their source text. Throws SyntaxError when it is not JSON. */
export function parseExactJson(text: string): ExactJson {
  let i = 0;
  const fail = (): never => {
    throw new SyntaxError(`not JSON (at character ${i})`);
  };
  const space = () => {
    while (i < text.length && " \t\n\r".includes(text[i] as string)) i++;
  };
  const value = (): ExactJson => {
    space();
    const c = text[i];
    if (c === "{") {
      i++;
      const object: { [key: string]: ExactJson } = {};
      space();
      if (text[i] === "}") {
        i++;
        return object;
      }
      for (;;) {
        space();
        if (text[i] !== '"') fail();
        const key = string();
        space();
        if (text[i] !== ":") fail();
        i++;
        Object.defineProperty(object, key, {
          value: value(),
          enumerable: true,
          writable: true,
          configurable: true,
        });
        space();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return object;
        }
        fail();
      }
    }
    if (c === "[") {
      i++;
      const array: ExactJson[] = [];
      space();
      if (text[i] === "]") {
        i++;
        return array;
      }
      for (;;) {
        array.push(value());
        space();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return array;
        }
        fail();
      }
    }
    if (c === '"') return string();
    for (const [word, v] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    NUMBER.lastIndex = i;
    const match = NUMBER.exec(text);
    if (!match) return fail();
    i += match[0].length;
    return match[0];
  };
  const string = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    if (i >= text.length) fail();
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const result = value();
  space();
  if (i !== text.length) fail();
  return result;
}

/** The member of an object, or undefined (for anything that is not an object). */
export function member(value: ExactJson | undefined, key: string): ExactJson | undefined {
  if (value === null || value === undefined || typeof value !== "object" || Array.isArray(value))
    return undefined;
  return Object.hasOwn(value, key) ? value[key] : undefined;
}
