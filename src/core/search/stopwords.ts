/** Words that say nothing about what a text is about (known-item queries, "more like this"). */
// A standard English stopword list (the common core of the SMART and NLTK lists), plus a few
// words every technical text is full of.
export const STOPWORDS = new Set(
  `a about above after again against all almost also am among an and another any are aren't around as at be because been
  before being below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during
  each either else enough etc even ever every few for from further get gets getting got had hadn't has hasn't have haven't
  having he he'd he'll he's her here here's hers herself him himself his how how's however i i'd i'll i'm i've if in into is
  isn't it it's its itself just let let's like made make makes many may me might more most much must mustn't my myself need
  needs neither never no nor not now of off often on once one only onto or other others otherwise ought our ours ourselves
  out over own per perhaps quite rather really same see seen shall shan't she she'd she'll she's should shouldn't since so
  some something still such than that that's the their theirs them themselves then there there's therefore these they
  they'd they'll they're they've this those though through thus to together too toward towards under until up upon us use
  used uses using very via was wasn't way we we'd we'll we're we've well were weren't what what's whatever when when's
  where where's whether which while who who's whom whose why why's will with within without won't would wouldn't yet you
  you'd you'll you're you've your yours yourself yourselves e.g i.e also within already always anything everything nothing
  yes next first second new old example examples following follows shown show shows want wants say says said way ways`
    .split(/\s+/)
    .filter(Boolean),
);
