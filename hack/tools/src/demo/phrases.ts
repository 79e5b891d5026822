// The phrase pools the demo's review grammar draws from, written for this project. Each pool is
// short; variety comes from combining them (subject × intensifier × adjective, premise × setting ×
// complication), not from size.

/** Something a review can praise or criticise; `plural` picks "is" or "are". */
export interface Subject {
  text: string;
  plural: boolean;
}

const s = (text: string): Subject => ({ text, plural: false });
const p = (text: string): Subject => ({ text, plural: true });

/** What a review talks about, one list of noun phrases per aspect. */
export const ASPECTS: Record<string, readonly Subject[]> = {
  story: [s('the story'), s('the plot'), s('the script'), s('the premise'), s('the screenplay')],
  acting: [s('the acting'), s('the cast'), p('the performances'), s('the lead'), p('the two leads')],
  direction: [s('the direction'), s('the camera work'), s('the editing'), s('the cinematography')],
  music: [s('the music'), s('the score'), s('the soundtrack'), p('the songs')],
  pacing: [s('the pacing'), s('the first hour'), s('the middle section'), s('the running time')],
  ending: [s('the ending'), s('the final act'), s('the climax'), s('the twist'), p('the last scenes')],
  dialogue: [s('the dialogue'), s('the humor'), p('the jokes'), p('the characters'), p('the villains')],
  look: [p('the effects'), p('the sets'), p('the costumes'), s('the production design')],
};

export const INTENSIFIERS = [
  '',
  '',
  'really',
  'truly',
  'absolutely',
  'just',
  'so',
  'incredibly',
  'genuinely',
];
export const HEDGES = ['fairly', 'somewhat', 'a little', 'rather', 'mostly', 'quite', 'reasonably'];

export const POSITIVE_ADJECTIVES = [
  'excellent',
  'superb',
  'wonderful',
  'brilliant',
  'terrific',
  'outstanding',
  'beautiful',
  'lovely',
  'remarkable',
  'inspired',
  'stunning',
  'charming',
  'memorable',
  'powerful',
  'first rate',
  'perfect',
  'fantastic',
  'great',
  'strong',
  'fresh',
  'engaging',
  'delightful',
  'impressive',
  'well done',
];

export const NEGATIVE_ADJECTIVES = [
  'awful',
  'terrible',
  'dull',
  'boring',
  'bad',
  'weak',
  'poor',
  'flat',
  'lifeless',
  'laughable',
  'clumsy',
  'predictable',
  'forgettable',
  'ridiculous',
  'pointless',
  'stupid',
  'horrible',
  'lame',
  'tedious',
  'annoying',
  'painful',
  'confusing',
  'cheap',
  'badly done',
];

/** Mild words for the half-hearted sentences of mixed reviews. */
export const LUKEWARM_ADJECTIVES = ['fine', 'okay', 'decent', 'passable', 'watchable', 'competent', 'uneven'];

/** Whole sentences, for variety beyond "X is adjective". */
export const POSITIVE_SENTENCES = [
  'It stays with you long after the credits.',
  'The chemistry between the leads feels completely natural.',
  'I was hooked from the opening scene.',
  'Some of the images have stayed with me for days.',
  'It manages to be funny and sad at the same time.',
  'I laughed out loud more than once.',
  'The small details make the world feel lived in.',
  'I cannot wait to see it again.',
  'The last scene left me in tears.',
  'It is a small gem.',
  'It is the kind of film you want to talk about afterwards.',
  'The whole thing feels honest and heartfelt.',
  'I loved every minute of it.',
  'It gets better every time I watch it.',
  'The tension builds beautifully towards the end.',
  'It is a rare film that trusts its audience.',
];

export const NEGATIVE_SENTENCES = [
  'Nobody in the cast seems to care.',
  'The lead reads every line as if from a shopping list.',
  'I checked my watch more than once.',
  'Half the scenes could have been cut without losing anything.',
  'I kept waiting for something to happen.',
  'It is hard to care about any of these people.',
  'The plot holes are big enough to drive a truck through.',
  'I have no idea what the writers were thinking.',
  'Even the talented actors look embarrassed.',
  'Nothing in it makes any sense.',
  'The whole thing feels cheap and lazy.',
  'I nearly turned it off after twenty minutes.',
  'It wastes a perfectly good premise.',
  'The twist is obvious from the first scene.',
  'Every scene drags on far too long.',
  'It is a mess from start to finish.',
];

export const POSITIVE_LIKES = ['I loved', 'I really enjoyed', 'I admired', 'I was impressed by', 'I adored'];
export const NEGATIVE_LIKES = [
  'I hated',
  'I could not stand',
  'I was bored by',
  'I was annoyed by',
  'I disliked',
];

/** Openers that carry no opinion of their own. */
export const CONNECTIVES = [
  'To be honest',
  'Overall',
  'I have to say',
  'As for the rest',
  'Also',
  'For me',
  'In fact',
];

export const CONTRASTS = ['but', 'although', 'while', 'yet'];

// The plot summary: who, what, where and what goes wrong, combined freely.
export const WHO = [
  'a retired detective',
  'a young widow',
  'a young doctor',
  'a struggling musician',
  'a small-town sheriff',
  'a teenage girl',
  'an aging boxer',
  'a widowed father',
  'a travelling salesman',
  'a con artist',
  'a shy librarian',
  'a soldier back from the war',
];
export const DOES = [
  'returns to the town where they grew up',
  'tries to keep the family farm',
  'takes one last job',
  'moves to a new city',
  'looks into a string of disappearances',
  'plans a wedding',
  'inherits an old house',
  'sets off on a road trip',
  'starts a band',
  'has to look after a stranger',
];
export const WHERE = [
  'a quiet coastal town',
  'New York in the seventies',
  'a remote mountain village',
  'London after the war',
  'a run-down hotel',
  'a lonely lighthouse',
  'the suburbs',
  'a small fishing village',
];
export const COMPLICATIONS = [
  'an old friend shows up',
  'a body is found in the lake',
  'the money goes missing',
  'a storm cuts the town off',
  'a secret from the past comes out',
  'the police get involved',
  'a letter arrives',
];
export const PLOT_TEMPLATES = [
  'The film follows {who} who {does}.',
  'It is set in {where}, where {who} {does}.',
  'The story is about {who} who {does}, and things get complicated when {complication}.',
  'Without giving too much away, {complication} and nothing is the same afterwards.',
  'Most of it takes place in {where}.',
  'Halfway through, {complication}.',
  'The {genre} side of it only shows in the second half.',
  'Much of the story is told in flashbacks.',
  'There is a long scene early on that sets up the rest.',
  'The main character is {who} who lives in {where}.',
  'Later on, {complication}, and the film changes direction.',
  'Along the way they meet {someone} who {something}.',
  'There is a subplot about {someone} who {something}.',
  'The film was shot on location in {where}.',
  'The story covers about ten years.',
  'It is based on a novel I have not read.',
  'A narrator explains what is going on.',
  'The director also wrote the screenplay.',
  'Most of the cast are actors I had not seen before.',
  'The title refers to a song that plays near the end.',
];

// How the reviewer came to the film.
export const WHEN = [
  'last night',
  'on a long flight',
  'with my family',
  'at a festival screening',
  'on television late one night',
  'after reading the book',
  'because a friend recommended it',
  'on a rainy Sunday afternoon',
];
export const GENRES = ['thriller', 'comedy', 'drama', 'western', 'horror', 'musical', 'war', 'romance'];
export const DECADES = ['fifties', 'sixties', 'seventies', 'eighties', 'nineties'];
/** The first sentence of a review: how the reviewer came to see it. */
export const OPENINGS = [
  'I watched this {when}.',
  'I saw this {when} and I had {expectation} expectations going in.',
  'I caught this {when}.',
  'I finally got to see this {when}.',
  'My sister and I watched this {when}.',
];
export const CONTEXT_TEMPLATES = [
  'It reminded me of the old {genre} films of the {decades}.',
  'It runs a little under two hours.',
  'I had heard a lot about this {genre} film before I saw it.',
  'This is the second film I have seen from this director.',
  'I am a big fan of the {genre} genre.',
  'I went in knowing almost nothing about it.',
  'It was only released in a few cinemas.',
];
export const EXPECTATIONS = ['high', 'low', 'no real', 'modest'];

export const POSITIVE_VERDICTS = [
  'I would recommend it to anyone.',
  'Highly recommended.',
  'Definitely worth seeing.',
  'One of the best films I have seen in years.',
  'I will be watching it again.',
  'A must see.',
  'Go and see it.',
];
export const NEGATIVE_VERDICTS = [
  'Avoid this one.',
  'A complete waste of time.',
  'Not worth your money.',
  'I want those two hours back.',
  'One of the worst films I have ever seen.',
  'Skip it.',
  'Do not bother.',
];
export const MIXED_VERDICTS = [
  'Worth a look if you like the genre.',
  'Not great, not terrible.',
  'Watch it once, but do not expect too much.',
  'It is fine for a quiet evening.',
];

// The shift: what arrives when a client sends titles, headlines or tweet-length comments.
export const HEADLINE_TEMPLATES = [
  'Just watched it {when}.',
  '{who} in {where}.',
  'My thoughts on this one.',
  'A {genre} film about {who}.',
  'Saw it {when}, here is what I think.',
  'Review of the new {genre} film.',
  'Finally got around to this {genre} film.',
  'First impressions after the screening.',
  'The {genre} film everyone is talking about.',
  'Has anyone else seen this?',
];
