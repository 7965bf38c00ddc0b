#!/usr/bin/python3
"""Strict checker of one whole Prometheus text exposition (format 0.0.4), e.g. a /metrics page.

Usage:
  tests/check_exposition.py PATH|- [--expect 'NAME{l1="v1",l2="v2"}=VALUE' ...]

  PATH is a file holding the page; "-" reads stdin. Each --expect (repeatable) asserts that the
  page has exactly that sample: labels in any order (all of them, none extra), VALUE compared as
  a float (NaN matches NaN, "+Inf" and "-Inf" are accepted). Example from a test:
    curl -s localhost:8080/metrics | tests/check_exposition.py - \
      --expect 'process_max_fds=1024' --expect 'vapi_requests_total{code="200",method="GET"}=3'

  Problems go to stderr as "<path>:<line>: <problem>", one line each; stdout gets a one-line
  summary ("<n> families, <m> samples, <k> problems"). Exit status: 0 when the page is clean, 1
  on any problem, 2 on bad usage.

Checks, beyond what Debian's python3-prometheus-client parser accepts (it must parse the page
too; it is lax, so it is only the first gate):
  - every line is a "# HELP name doc", "# TYPE name type", another "#" comment, or a sample
    "name[{labels}] value [timestamp]", with single spaces, no leading or trailing blanks, the
    page UTF-8 and ending in a newline; names [a-zA-Z_:][a-zA-Z0-9_:]*, label names
    [a-zA-Z_][a-zA-Z0-9_]* not starting with "__" and not repeated, label values escaping only
    \\ \" \n, HELP escaping only \\ \n, values a decimal number, +Inf, -Inf or NaN;
  - each family has # HELP and # TYPE before its first sample, and appears once: no second HELP
    or TYPE, no samples of it after another family started, no series written twice;
  - counter samples end in _total and are >= 0;
  - each histogram series has _bucket lines in ascending le order with non-decreasing counts,
    the last le="+Inf" and equal to _count, and has a _sum.
Must run with /usr/bin/python3 (Debian's prometheus_client), not a pyenv python on PATH.
"""

import argparse
import math
import re
import sys

from prometheus_client.parser import text_string_to_metric_families

NAME = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
LABEL_NAME = r'[a-zA-Z_][a-zA-Z0-9_]*'
LABEL_VALUE = r'"(?:[^"\\\n]|\\[\\"n])*"'
LABEL = '(' + LABEL_NAME + ')=(' + LABEL_VALUE + ')'
LABEL_RE = re.compile(LABEL)
LABELS_BODY_RE = re.compile('(?:' + LABEL + '(?:,' + LABEL + ')*,?)?')
VALUE = r'[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?Inf|NaN'
VALUE_RE = re.compile(VALUE)
# Labels are the text between the first "{" and the last "}": values and timestamps hold none.
SAMPLE_RE = re.compile('(' + NAME + r')(?:\{(.*)\})? (' + VALUE + ')(?: (-?[0-9]+))?')
HELP_RE = re.compile('# HELP (' + NAME + r')(?: ((?:[^\\\n]|\\[\\n])*))?')
TYPE_RE = re.compile('# TYPE (' + NAME + ') (counter|gauge|histogram|summary|untyped)')
HELP_OR_TYPE_RE = re.compile(r'#[ \t]*(HELP|TYPE)(?:[ \t]|$)')
EXPECT_RE = re.compile('(' + NAME + r')(?:\{(.*)\})?=(.+)')

SUFFIXES = {'histogram': ('_bucket', '_sum', '_count'), 'summary': ('', '_sum', '_count')}


def unescape(quoted):
    return re.sub(r'\\(.)', lambda m: {'n': '\n'}.get(m.group(1), m.group(1)), quoted[1:-1])


def parse_labels(body):
    """The labels of a "{...}" body as (dict, problem); problem is None when well formed."""
    if body is None:
        return {}, None
    if not LABELS_BODY_RE.fullmatch(body):
        return {}, 'malformed labels {%s}' % body
    labels = {}
    for m in LABEL_RE.finditer(body):
        name = m.group(1)
        if name.startswith('__'):
            return labels, 'label name %s is reserved (starts with "__")' % name
        if name in labels:
            return labels, 'label %s repeated' % name
        labels[name] = unescape(m.group(2))
    return labels, None


def series_text(name, labels):
    if not labels:
        return name
    return name + '{' + ','.join('%s=%r' % kv for kv in sorted(labels.items())) + '}'


def same_value(a, b):
    return (math.isnan(a) and math.isnan(b)) or a == b


class Family:
    def __init__(self, name, line):
        self.name = name
        self.line = line  # of its first HELP or TYPE
        self.help_line = None
        self.type_line = None
        self.type = 'untyped'
        self.samples = []  # (line, name, labels, value)


class Checker:
    def __init__(self, path):
        self.path = path
        self.problems = []
        self.families = {}
        self.current = None
        self.samples = []  # (line, name, labels, value), all families
        self.series = {}   # (name, frozenset(labels)) -> line

    def problem(self, line, text):
        self.problems.append((line, text))

    def check_page(self, data):
        try:
            text = data.decode('utf-8')
        except UnicodeDecodeError as e:
            self.problem(0, 'not UTF-8: %s' % e)
            return
        parsed_samples = 0
        try:
            for family in text_string_to_metric_families(text):
                parsed_samples += len(family.samples)
        except Exception as e:  # any failure of the reference parser is a problem
            self.problem(0, 'prometheus_client parser: %s: %s' % (type(e).__name__, e))
        if text and not text.endswith('\n'):
            self.problem(text.count('\n') + 1, 'page does not end in a newline')
        lines = text.split('\n')
        if lines and lines[-1] == '':
            lines.pop()
        for number, line in enumerate(lines, 1):
            self.check_line(number, line)
        for family in self.families.values():
            self.check_family(family)
        if not self.problems and parsed_samples != len(self.samples):
            self.problem(0, 'prometheus_client parser read %d samples, this checker %d'
                         % (parsed_samples, len(self.samples)))

    def check_line(self, number, line):
        if line == '':
            return  # allowed by the format
        # A HELP text may end in blanks: "# HELP name " is how an empty one is written.
        if line != line.lstrip(' \t') or (
                not line.startswith('# HELP ') and line != line.rstrip(' \t\r')):
            self.problem(number, 'leading or trailing blank')
            return
        if line.startswith('#'):
            self.check_comment(number, line)
        else:
            self.check_sample(number, line)

    def check_comment(self, number, line):
        keyword = HELP_OR_TYPE_RE.match(line)
        if not keyword:
            return  # a plain comment
        m = (HELP_RE if keyword.group(1) == 'HELP' else TYPE_RE).fullmatch(line)
        if not m:
            self.problem(number, 'malformed # %s line' % keyword.group(1))
            return
        name = m.group(1)
        family = self.families.get(name)
        if family is None:
            owner = self.owner_of(name)
            if owner is not None:
                self.problem(number, 'family %s clashes with the samples of %s %s (line %d)'
                             % (name, owner.type, owner.name, owner.line))
            family = self.families[name] = Family(name, number)
            self.current = family
        elif family is not self.current:
            self.problem(number, 'family %s appears twice (first at line %d)' % (name, family.line))
            self.current = family
        elif family.samples:
            self.problem(number, '# %s of %s after its samples' % (keyword.group(1), name))
        if keyword.group(1) == 'HELP':
            if family.help_line is not None:
                self.problem(number, 'second # HELP for %s (first at line %d)'
                             % (name, family.help_line))
            family.help_line = number
        else:
            if family.type_line is not None:
                self.problem(number, 'second # TYPE for %s (first at line %d)'
                             % (name, family.type_line))
            family.type_line = number
            family.type = m.group(2)

    def owner_of(self, sample_name):
        """The family a sample name belongs to, preferring the current family."""
        candidates = [self.current] if self.current else []
        candidates += self.families.values()
        for family in candidates:
            for suffix in SUFFIXES.get(family.type, ('',)):
                if sample_name == family.name + suffix:
                    return family
        return None

    def check_sample(self, number, line):
        m = SAMPLE_RE.fullmatch(line)
        if not m:
            self.problem(number, 'not a sample line (name{labels} value [timestamp])')
            return
        name, body, value_text = m.group(1), m.group(2), m.group(3)
        labels, bad_labels = parse_labels(body)
        if bad_labels:
            self.problem(number, bad_labels)
            return
        value = float(value_text)
        self.samples.append((number, name, labels, value))
        key = (name, frozenset(labels.items()))
        if key in self.series:
            self.problem(number, 'series %s written twice (first at line %d)'
                         % (series_text(name, labels), self.series[key]))
        else:
            self.series[key] = number

        family = self.owner_of(name)
        if family is None:
            self.problem(number, 'sample %s has no # HELP and # TYPE before it' % name)
            return
        if family is not self.current:
            self.problem(number, 'sample of %s after family %s started (%s started at line %d)'
                         % (family.name, self.current.name, family.name, family.line))
        if not family.samples:
            for keyword, seen in (('HELP', family.help_line), ('TYPE', family.type_line)):
                if seen is None:
                    self.problem(number, 'family %s has no # %s before its first sample'
                                 % (family.name, keyword))
        family.samples.append((number, name, labels, value))

        if family.type == 'counter':
            if not name.endswith('_total'):
                self.problem(number, 'counter sample %s does not end in _total' % name)
            if not value >= 0:
                self.problem(number, 'counter %s is %s, not >= 0' % (name, value_text))
        elif family.type == 'histogram':
            is_bucket = name == family.name + '_bucket'
            if is_bucket and 'le' not in labels:
                self.problem(number, 'bucket without an le label')
            elif is_bucket and not VALUE_RE.fullmatch(labels['le']):
                self.problem(number, 'le="%s" is not a number' % labels['le'])
            elif not is_bucket and 'le' in labels:
                self.problem(number, '%s has an le label' % name)

    def check_family(self, family):
        for keyword, seen in (('HELP', family.help_line), ('TYPE', family.type_line)):
            if seen is None and not family.samples:  # with samples: reported at the first
                self.problem(family.line, 'family %s has no # %s' % (family.name, keyword))
        if family.type == 'histogram':
            self.check_histogram(family)

    def check_histogram(self, family):
        series = {}  # labels without le -> {'bucket': [(line, le, count)], 'sum':, 'count':}
        for line, name, labels, value in family.samples:
            rest = {k: v for k, v in labels.items() if k != 'le'}
            entry = series.setdefault(frozenset(rest.items()),
                                      {'labels': rest, 'bucket': [], 'sum': None, 'count': None,
                                       'line': line})
            suffix = name[len(family.name) + 1:]
            if suffix == 'bucket':
                if 'le' in labels and VALUE_RE.fullmatch(labels['le']):
                    entry['bucket'].append((line, labels['le'], value))
            else:
                entry[suffix] = (line, value)
        for entry in series.values():
            shown = series_text(family.name, entry['labels'])
            buckets = entry['bucket']
            if not buckets:
                self.problem(entry['line'], 'histogram %s has no _bucket lines' % shown)
                continue
            for (_, le_a, count_a), (line, le_b, count_b) in zip(buckets, buckets[1:]):
                if not float(le_a) < float(le_b):
                    self.problem(line, 'histogram %s: le="%s" after le="%s", not ascending'
                                 % (shown, le_b, le_a))
                if not count_a <= count_b:
                    self.problem(line, 'histogram %s: bucket le="%s" has %s, less than le="%s"'
                                 % (shown, le_b, count_b, le_a))
            last_line, last_le, total = buckets[-1]
            if last_le != '+Inf':
                self.problem(last_line, 'histogram %s: last bucket is le="%s", not le="+Inf"'
                             % (shown, last_le))
            if entry['count'] is None:
                self.problem(last_line, 'histogram %s has no _count' % shown)
            elif last_le == '+Inf' and not same_value(entry['count'][1], total):
                self.problem(entry['count'][0], 'histogram %s: _count %s differs from le="+Inf" %s'
                             % (shown, entry['count'][1], total))
            if entry['sum'] is None:
                self.problem(last_line, 'histogram %s has no _sum' % shown)

    def check_expect(self, expectation):
        m = EXPECT_RE.fullmatch(expectation)
        labels, bad = parse_labels(m.group(2)) if m else ({}, None)
        if not m or bad or not VALUE_RE.fullmatch(m.group(3)):
            self.problem(0, '--expect %s: not NAME{labels}=VALUE' % expectation)
            return
        want = float(m.group(3))
        for line, name, have_labels, value in self.samples:
            if name == m.group(1) and have_labels == labels:
                if not same_value(value, want):
                    self.problem(line, '%s is %r, expected %s'
                                 % (series_text(name, labels), value, m.group(3)))
                return
        self.problem(0, '--expect: no sample %s' % series_text(m.group(1), labels))


def main():
    args = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    args.add_argument('path', help='file holding the exposition, or - for stdin')
    args.add_argument('--expect', action='append', default=[], metavar='NAME{labels}=VALUE')
    options = args.parse_args()
    if options.path == '-':
        data, shown = sys.stdin.buffer.read(), '<stdin>'
    else:
        try:
            with open(options.path, 'rb') as f:
                data, shown = f.read(), options.path
        except OSError as e:
            print('check_exposition.py: %s' % e, file=sys.stderr)
            return 2
    checker = Checker(shown)
    checker.check_page(data)
    for expectation in options.expect:
        checker.check_expect(expectation)
    for line, text in sorted(checker.problems, key=lambda p: p[0]):
        print('%s:%d: %s' % (shown, line, text), file=sys.stderr)
    print('%d families, %d samples, %d problems'
          % (len(checker.families), len(checker.samples), len(checker.problems)))
    return 1 if checker.problems else 0


if __name__ == '__main__':
    sys.exit(main())
