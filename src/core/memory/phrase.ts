/**
 * What a person types after "/remember": `[<namespace>] [<key> =] <text>`. A first word that is a
 * namespace ("project:lore:deploy") says where; "<key> =" or "<key>:" names it; otherwise the key is
 * made from the text's words. The value is the text as typed (JSON when it is an object or a list).
 */
import { keyFromText } from './consolidate';
import { checkKey, checkNamespace, valueFromText } from './types';

export interface RememberPhrase {
  namespace: string;
  key: string;
  value: unknown;
}

const isNamespace = (s: string) => {
  try {
    checkNamespace(s);
    return true;
  } catch {
    return false;
  }
};

export function parseRememberPhrase(text: string, defaultNamespace: string): RememberPhrase | undefined {
  let rest = text.trim();
  if (!rest) return undefined;
  let namespace = defaultNamespace;
  const first = rest.split(/\s+/, 1)[0];
  if (first.includes(':') && !first.endsWith(':') && isNamespace(first)) {
    namespace = first;
    rest = rest.slice(first.length).trim();
  }
  let key: string | undefined;
  const named = /^([\w.-]{1,60})\s*(?:=|:)\s+(\S[\s\S]*)$/u.exec(rest);
  if (named) {
    key = checkKey(named[1]);
    rest = named[2].trim();
  }
  if (!rest) return undefined;
  return { namespace, key: key ?? keyFromText(rest), value: valueFromText(rest) };
}
