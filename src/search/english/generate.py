#!/usr/bin/env python3
"""Writes words.txt: the lowercase English words of four letters or more from SCOWL's
American list at size 50 (Debian's wamerican package, /usr/share/dict/american-english),
one a line, sorted bytewise, after a header carrying the list's copyright notice. The query
planner never replaces such a word by a spelling correction. Run it again when the list
changes: python3 src/search/english/generate.py"""
import re
import sys
from pathlib import Path

SOURCE = Path("/usr/share/dict/american-english")
NOTICE = """\
# English words from SCOWL (Spell Checker Oriented Word Lists), size 50, American.
# Copyright 2000-2011 by Kevin Atkinson. Permission to use, copy, modify, distribute and sell
# these word lists, the associated scripts, the output created from the scripts, and its
# documentation for any purpose is hereby granted without fee, provided that the above
# copyright notice appears in all copies and that both that copyright notice and this
# permission notice appear in supporting documentation. Kevin Atkinson makes no
# representations about the suitability of this array for any purpose. It is provided "as is"
# without express or implied warranty.
"""

def main():
    if not SOURCE.exists():
        sys.exit(f"{SOURCE} is missing: apt-get install wamerican")
    words = {w for w in SOURCE.read_text(encoding="utf-8").split() if re.fullmatch(r"[a-z]{4,}", w)}
    out = Path(__file__).with_name("words.txt")
    out.write_text(NOTICE + "\n".join(sorted(words)) + "\n", encoding="ascii")
    print(f"{len(words)} words -> {out}")

if __name__ == "__main__":
    main()
