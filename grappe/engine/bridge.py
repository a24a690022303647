"""French → English: how the TF-IDF terms of a French text meet those of an English one (engine 0.5).

The cluster works in French and English: partners write challenges in French, researchers mostly
publish in English. Stems alone do not meet across the two languages ("robotique" and "robotics",
"apprentissage automatique" and "machine learning"), so a text read as French (or a short text
whose language cannot be told, such as a keyword list) is brought into the English stem space
before scoring, in three steps (:class:`~grappe.engine.affinity.TermAnalyzer`):

1. **Expressions** of the table below ("vision par ordinateur" → "computer vision", "réseaux de
   neurones" → "neural networks"), matched on French Snowball stems of the content words (function
   words skipped), so plural and feminine forms match too;
2. **Words** of the table ("ordinateur" → "computer", "usine" → "factory"), by the word itself or
   its French stem ("usines");
3. in a text read as French only, **cognate endings** (:func:`cognate`): "-ique" → "-ic",
   "-ité" → "-ity", "-isation" → "-ization", "-ie" → "-y", "-iel(le)" → "-ial", "-if/-ive" →
   "-ive", "-aire" → "-ary", "-aux" → "-al" … ("robotique" → "robotic", "sécurité" → "security",
   "génératif" → "generative"), then accents folded.

Everything then goes through the English Snowball stemmer as English words do, so a French text
and an English one share stems, phrases included. A text read as English is never touched: the
scores of English texts are those of engine 0.4. Explanations show the French words as the French
text writes them ("vision par ordinateur").

The table is plain text, one ``french = english`` per line, deliberately short: the domain's
terms whose English is not a cognate. Add a line when a French text misses an obvious English
match; a French word that is also an English word with another meaning ("coin", "chair") must not
be a key (it would apply to English keyword lists too). ``BRIDGE_VERSION`` names the table in the
runs' parameters: change it when the table changes.
"""

from __future__ import annotations

import re
from functools import lru_cache

from sklearn.feature_extraction.text import strip_accents_unicode

BRIDGE_VERSION = "fr-en-1"

TABLE = """
# Artificial intelligence, data
intelligence artificielle = artificial intelligence
IA = AI
apprentissage automatique = machine learning
apprentissage machine = machine learning
apprentissage profond = deep learning
apprentissage par renforcement = reinforcement learning
apprentissage fédéré = federated learning
apprentissage supervisé = supervised learning
apprentissage non supervisé = unsupervised learning
apprentissage auto-supervisé = self-supervised learning
apprentissage par transfert = transfer learning
apprentissage = learning
réseau de neurones = neural network
réseaux neuronaux = neural networks
réseau neuronal = neural network
réseau de neurones sur graphes = graph neural network
neurone = neuron
réseau = network
graphe = graph
modèle de langue = language model
modèles de langage = language models
grand modèle de langue = large language model
traitement automatique des langues = natural language processing
traitement automatique du langage = natural language processing
traitement du langage naturel = natural language processing
langage naturel = natural language
langage = language
langue = language
traduction automatique = machine translation
traduction = translation
reconnaissance de la parole = speech recognition
reconnaissance vocale = speech recognition
traitement de la parole = speech processing
extraction d'information = information extraction
recherche d'information = information retrieval
fouille de données = data mining
fouille de textes = text mining
science des données = data science
données = data
jeu de données = dataset
base de données = database
modèle génératif = generative model
modèles de diffusion = diffusion models
modèle de fondation = foundation model
inférence causale = causal inference
explicabilité = explainability
interprétabilité = interpretability
équité = fairness
confiance = trust
apprentissage statistique = statistical learning
statistique = statistics
probabilité = probability
probabiliste = probabilistic
algorithme = algorithm
calcul = computation
informatique = computer science
logiciel = software
ordinateur = computer
calcul haute performance = high performance computing
nuage = cloud
embarqué = embedded
systèmes embarqués = embedded systems
# Vision, signal, images
vision par ordinateur = computer vision
vision artificielle = computer vision
traitement d'images = image processing
traitement du signal = signal processing
traitement de signal = signal processing
signal = signal
segmentation d'images = image segmentation
reconnaissance d'images = image recognition
reconnaissance d'objets = object recognition
détection d'objets = object detection
suivi d'objets = object tracking
nuage de points = point cloud
imagerie médicale = medical imaging
imagerie = imaging
caméra = camera
vidéo = video
profondeur = depth
reconstruction = reconstruction
télédétection = remote sensing
# Robotics, industry
robotique = robotics
robot = robot
robots collaboratifs = collaborative robots
cobot = cobot
interaction homme-robot = human-robot interaction
interaction humain-robot = human-robot interaction
interaction homme-machine = human-computer interaction
planification de mouvement = motion planning
planification de trajectoire = trajectory planning
planification = planning
préhension = grasping
saisie d'objets = object grasping
manipulation = manipulation
théorie du contrôle = control theory
véhicule autonome = autonomous vehicle
véhicules autonomes = autonomous vehicles
conduite autonome = autonomous driving
drone = drone
capteur = sensor
actionneur = actuator
usine = factory
usine du futur = smart factory
industrie = industry
fabrication = manufacturing
production = production
chaîne de production = production line
ligne de production = production line
maintenance prédictive = predictive maintenance
jumeau numérique = digital twin
contrôle qualité = quality control
contrôle de la qualité = quality control
défaut = defect
inspection = inspection
outil = tool
machine = machine
numérique = digital
chaîne logistique = supply chain
logistique = logistics
ordonnancement = scheduling
recherche opérationnelle = operations research
optimisation combinatoire = combinatorial optimization
optimisation stochastique = stochastic optimization
# Health, life sciences
santé = health
médecine = medicine
médical = medical
soins = care
patient = patient
hôpital = hospital
clinique = clinical
aide à la décision clinique = clinical decision support
aide à la décision = decision support
découverte de médicaments = drug discovery
médicament = drug
génomique = genomics
génome = genome
séquençage = sequencing
gène = gene
protéine = protein
cellule = cell
cancer = cancer
tumeur = tumour
épidémiologie = epidemiology
maladie = disease
# Energy, environment, materials
énergie = energy
systèmes énergétiques = energy systems
réseau électrique = power grid
réseau intelligent = smart grid
batterie = battery
renouvelable = renewable
climat = climate
modélisation du climat = climate modelling
changement climatique = climate change
biodiversité = biodiversity
environnement = environment
développement durable = sustainable development
eau = water
sol = soil
agriculture = agriculture
bâtiment = building
matériau = material
matériaux = materials
chimie = chemistry
physique = physics
mécanique = mechanics
# Society, law, economy
droit = law
juridique = legal
réglementation = regulation
protection des données = data protection
vie privée = privacy
éthique = ethics
économie = economics
finance = finance
gestion = management
éducation = education
enseignement = teaching
plateforme numérique = digital platform
plateformes numériques = digital platforms
sécurité = security
cybersécurité = cybersecurity
chercheur = researcher
équipe = team
entreprise = company
"""

# Words that mark a text as French or as English (short, frequent, not shared by the other).
_FRENCH_MARKERS = (
    "le la les des du et pour dans par une sur avec est sont aux au ces cette qui que nous nos notre leur leurs "
    "entre ou mais pas plus"
)
_ENGLISH_MARKERS = "the of and for in with to is are on by this that we our an from as be which these their"
FRENCH_MARKERS = frozenset(_FRENCH_MARKERS.split(" "))
ENGLISH_MARKERS = frozenset(_ENGLISH_MARKERS.split(" "))
MIN_STEM = 4  # a shorter French stem ("don" of "données", and of "donne") is not looked up
MIN_MARKERS = 3  # fewer marker words than this: the language is not told (a title, a keyword list)

_WORD = re.compile(r"(?u)\b[^\W\d_][^\W_]+\b")  # the engine's words (affinity.WORD)


def language_of(words: list[str]) -> str | None:
    """``"fr"``, ``"en"`` or None from lower-cased ``words``: the language whose marker words
    are at least :data:`MIN_MARKERS` and more than twice the other's."""
    french = english = 0
    for word in words:
        if word in FRENCH_MARKERS:
            french += 1
        elif word in ENGLISH_MARKERS:
            english += 1
    if french >= MIN_MARKERS and french > 2 * english:
        return "fr"
    if english >= MIN_MARKERS and english > 2 * french:
        return "en"
    return None


# Endings of French words and those of their English cognates, tried in this order on a word
# read in a French text (accents still on), each when the word is at least ``minimum`` long.
COGNATE_ENDINGS: tuple[tuple[str, str, int], ...] = (
    ("isations", "izations", 9),
    ("isation", "ization", 8),
    ("ités", "ity", 6),
    ("ité", "ity", 5),
    ("iques", "ic", 7),
    ("ique", "ic", 6),
    ("ionnelles", "ional", 11),
    ("ionnelle", "ional", 10),
    ("ionnels", "ional", 9),
    ("ionnel", "ional", 8),
    ("ielles", "ial", 8),
    ("ielle", "ial", 7),
    ("iels", "ial", 6),
    ("iel", "ial", 6),
    ("uelles", "ual", 8),
    ("uelle", "ual", 7),
    ("uels", "ual", 7),
    ("uel", "ual", 6),
    ("ives", "ive", 7),
    ("ive", "ive", 6),
    ("ifs", "ive", 6),
    ("if", "ive", 6),
    ("aires", "ary", 7),
    ("aire", "ary", 6),
    ("ies", "y", 6),
    ("ie", "y", 5),
    ("eaux", "eau", 6),
    ("aux", "al", 6),
    ("teurs", "tor", 7),
    ("teur", "tor", 6),
    ("seurs", "sor", 7),
    ("seur", "sor", 6),
)


def cognate(word: str) -> str:
    """``word`` (lower-cased French, accents on) with a French ending turned into its English
    cognate's, accents folded: "robotique" → "robotic", "génératifs" → "generative"."""
    for ending, english, minimum in COGNATE_ENDINGS:
        if len(word) >= minimum and word.endswith(ending):
            word = word[: -len(ending)] + english
            break
    return str(strip_accents_unicode(word))


def _plurals(word: str) -> set[str]:
    forms = {word, word + "s", word + "x"}
    if word.endswith("al"):
        forms.add(word[:-2] + "aux")
    return forms


class Bridge:
    """The table, ready for lookups: single words by their folded form (with their plurals) and
    by French stem; expressions by the French stems of their content words."""

    def __init__(self, table: str = TABLE, *, stop_words: frozenset[str] = frozenset()) -> None:
        import Stemmer  # PyStemmer

        self._french = Stemmer.Stemmer("french")
        self.words: dict[str, tuple[str, ...]] = {}
        self.stems: dict[str, tuple[str, ...]] = {}
        self.expressions: dict[tuple[str, ...], tuple[str, ...]] = {}
        ambiguous: set[str] = set()
        for raw in table.splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            french, english = (part.strip() for part in line.split("=", 1))
            target = tuple(_WORD.findall(english.lower()))
            content = [w for w in _WORD.findall(french.lower()) if strip_accents_unicode(w) not in stop_words]
            if len(content) > 1:
                self.expressions[tuple(self.french_stem(w) for w in content)] = target
                continue
            (word,) = content
            for form in _plurals(strip_accents_unicode(word)):
                self.words.setdefault(form, target)
            stem = self.french_stem(word)
            if self.stems.get(stem, target) != target:
                ambiguous.add(stem)
            self.stems.setdefault(stem, target)
        for stem in ambiguous:  # two words of the table share a French stem: only their own forms match
            del self.stems[stem]
        self.longest = max((len(k) for k in self.expressions), default=1)

    def french_stem(self, word: str) -> str:
        return str(self._french.stemWord(word))

    def word(self, word: str, *, french: bool) -> tuple[str, ...] | None:
        """The English of one word (lower-cased, accents on), None when the table has none; by its
        French stem too in a French text."""
        found = self.words.get(strip_accents_unicode(word))
        if found is None and french:
            stem = self.french_stem(word)
            found = self.stems.get(stem) if len(stem) >= MIN_STEM else None
        return found


@lru_cache(maxsize=4)
def bridge(stop_words: frozenset[str]) -> Bridge:
    return Bridge(stop_words=stop_words)
