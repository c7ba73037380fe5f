import assert from 'node:assert/strict';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** JUnit XML as fast-xml-parser reads it. */
export interface Junit {
  testsuites: {
    '@_name': string;
    '@_tests': string;
    '@_failures': string;
    '@_errors': string;
    testsuite: {
      '@_name': string;
      '@_tests': string;
      '@_failures': string;
      '@_errors': string;
      '@_time': string;
      '@_timestamp': string;
      properties: { property: { '@_name': string; '@_value': string }[] };
      testcase?: {
        '@_name': string;
        '@_classname': string;
        failure?: { '@_message': string; '@_type': string; '#text': string };
        error?: { '@_message': string; '@_type': string; '#text': string };
      }[];
    }[];
  };
}

/** Parses JUnit XML as CI systems do: a well-formed document, suites and cases as elements. */
export function parseJunit(text: string): Junit {
  assert.equal(XMLValidator.validate(text), true, 'well-formed XML');
  const parser = new XMLParser({
    ignoreAttributes: false,
    isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name),
  });
  return parser.parse(text) as Junit;
}
