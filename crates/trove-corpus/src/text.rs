//! Words, people and places, and the prose made from them.
//!
//! The vocabulary is large enough that two independently generated texts
//! share almost no word 5-shingles, so every overlap in the corpus is one
//! the generator put there on purpose.

use std::collections::HashSet;

use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

const WORDS: &str = "access account accounts acquisition action administration advance adviser agency agenda agreement \
aid aircraft allocation amendment analysis annex appeal application approval archive armed arrangement arrest asset \
assets assessment audit authority balance bank barrier base battalion battery benefit bid board bond border branch \
breach briefing budget building bulletin bureau cabinet cable campaign candidate capacity capital cargo carrier case \
cash cell census chain chairman channel charter check chief circular claim clause client coalition code collateral \
command commission committee commodity company compensation complaint compliance component concession conduct \
conference confirmation conflict consignment consortium construction consultant contact contract contractor control \
convoy cooperation coordination corridor council counsel court credit crew crisis custody customs damage data deadline \
debt decision declaration decree defence deficit delegation delivery demand department deployment deposit deputy \
detachment detail director directive disclosure dispatch dispute distribution district division document draft duty \
election embargo emergency employee enterprise envoy equipment escort estate estimate evidence exchange executive \
exemption expenditure export facility failure figure filing finance firm fleet flight fuel fund funding garrison \
government grant ground guarantee guard harbour hearing holding incident income indictment inquiry inspection \
inspector instruction insurance intelligence interest interior investigation investment invoice issue journalist \
judge jurisdiction justice labour land launch lease ledger letter licence limit liquidity loan logistics loss \
machinery maintenance management mandate manifest margin market measure mechanism meeting memorandum merger message \
method militia minister ministry mission monitor mortgage motion movement negotiation network note notice objective \
obligation observer office officer official operation opposition order organisation outlet oversight owner package \
parliament partner party passport patrol payment penalty pension permit personnel petition pipeline plan platform \
police policy port position post premium president press pressure procedure proceeds process procurement producer \
profit programme project property proposal prosecutor protest protocol province provision purchase quota range rate \
ratification record recruitment reform region register regulation release rent report representative request \
reserve resolution resource response review revenue risk route ruling salary sanction schedule scheme secretary \
sector security seizure senator sentence service settlement shareholder shipment signal site source spending staff \
statement station status storage strategy subsidiary subsidy summary supplier supply surveillance suspect system \
target tariff task tax team tender term territory testimony threat timeline trade transaction transfer transit \
treasury treaty tribunal troop trust unit vehicle vendor venture verdict vessel veteran visa warehouse warrant \
weapon witness yield above across additional adequate alleged annual apparent approved available based bilateral \
brief central certain classified commercial complete confidential considerable critical current direct domestic \
due early effective entire essential existing external federal final financial foreign formal former full further \
general heavy immediate important initial internal joint key large late legal limited local main major military \
minor national necessary new normal offshore official open operational other overall particular past pending \
personal political possible previous primary prior private public quarterly real recent regional regular relevant \
remaining responsible secret senior separate serious significant similar special specific strategic strong \
subsequent substantial sufficient technical temporary total unusual urgent various wide accept address allow \
approve arrange assess assign attach attend authorise avoid block brief cancel carry cause change charge clarify \
close collect complete confirm consider continue cover cut delay deliver deny deploy describe discuss divert draft \
ensure establish exceed expand expect extend file finalise follow forward freeze handle hold identify include \
increase inform instruct intend issue keep lift maintain monitor move note notify obtain pay postpone prepare \
present prevent proceed process provide publish raise receive recommend record reduce refer reject release remain \
remove replace report request require reserve resolve restrict resume return review revise route secure seek send \
settle share sign submit suspend take transfer update verify withdraw";

const CONNECTIVES: &[&str] = &[
    "the", "a", "of", "to", "and", "in", "for", "on", "with", "by", "from", "under", "after", "before", "that", "this",
    "our", "their", "its", "all", "any", "each", "no", "as", "per", "into", "via", "at",
];

const RUSSIAN_WORDS: &str = "министерство внутренних дел приказ управление отдел начальник заместитель служба \
операция граница безопасность финансирование договор поставка оплата счет банк перевод отчет совещание решение \
распоряжение документ письмо источник сотрудник подразделение командование техника вооружение снабжение бюджет \
контракт подрядчик проверка расследование задержание область район город объект срок задача план исполнение \
контроль информация сведения данные запрос ответ согласование утверждение представитель комиссия рабочая группа \
секретно срочно лично экземпляр копия направление поручение указание мероприятие обеспечение охрана транспорт \
груз склад таможня декларация компания общество фонд перечисление сумма рублей долларов евро период квартал \
отчетность нарушение меры ответственность руководство прокуратура суд постановление жалоба заявление";

/// A person who writes mail in the corpus.
#[derive(Debug, Clone)]
pub struct Person {
    pub name: String,
    pub address: String,
    pub org: usize,
}

/// An organisation with its mail domain and country.
#[derive(Debug, Clone)]
pub struct Organisation {
    pub name: &'static str,
    pub domain: &'static str,
    pub country: &'static str,
    pub city: &'static str,
}

pub const ORGANISATIONS: &[Organisation] = &[
    Organisation {
        name: "Ministry of Internal Affairs",
        domain: "mvd-interior.example",
        country: "Russia",
        city: "Moscow",
    },
    Organisation {
        name: "Northern Logistics Group",
        domain: "north-logistics.example",
        country: "Russia",
        city: "Rostov-on-Don",
    },
    Organisation {
        name: "Kovalenko & Partners",
        domain: "kovalenko-law.example",
        country: "Ukraine",
        city: "Kyiv",
    },
    Organisation {
        name: "Baltic Maritime Holdings",
        domain: "baltic-maritime.example",
        country: "Cyprus",
        city: "Limassol",
    },
    Organisation {
        name: "Maple Resource Capital",
        domain: "maple-capital.example",
        country: "Canada",
        city: "Toronto",
    },
    Organisation {
        name: "Rheinland Industrieanlagen",
        domain: "rheinland-ia.example",
        country: "Germany",
        city: "Düsseldorf",
    },
    Organisation {
        name: "Istmo Trust Services",
        domain: "istmo-trust.example",
        country: "Panama",
        city: "Panama City",
    },
    Organisation {
        name: "Cabinet Office Liaison Unit",
        domain: "cabinet-liaison.example",
        country: "United Kingdom",
        city: "London",
    },
];

const GIVEN: &[&str] = &[
    "Alexei",
    "Irina",
    "Dmitri",
    "Olga",
    "Sergei",
    "Natalia",
    "Viktor",
    "Elena",
    "Oleksandr",
    "Kateryna",
    "Andriy",
    "Svitlana",
    "Nikos",
    "Eleni",
    "Claire",
    "Marc",
    "Jürgen",
    "Petra",
    "Luis",
    "Ana",
    "James",
    "Fiona",
    "Pavel",
    "Yulia",
];
const FAMILY: &[&str] = &[
    "Petrov",
    "Sokolova",
    "Volkov",
    "Morozova",
    "Lebedev",
    "Kozlova",
    "Novikov",
    "Melnyk",
    "Shevchenko",
    "Bondarenko",
    "Kovalchuk",
    "Papadopoulos",
    "Georgiou",
    "Tremblay",
    "Gagnon",
    "Schneider",
    "Becker",
    "Herrera",
    "Castillo",
    "Whitfield",
    "Maclean",
    "Orlov",
    "Zaitseva",
    "Karpov",
];

/// Builds the cast: a few people per organisation.
pub fn people(rng: &mut ChaCha8Rng) -> Vec<Person> {
    let mut people = Vec::new();
    let mut used = HashSet::new();
    for (org, organisation) in ORGANISATIONS.iter().enumerate() {
        for _ in 0..5 {
            let (given, family) = loop {
                let pair = (*GIVEN.choose(rng).expect("names"), *FAMILY.choose(rng).expect("names"));
                if used.insert(pair) {
                    break pair;
                }
            };
            let local = format!("{}.{}", ascii_lower(given), ascii_lower(family));
            people.push(Person {
                name: format!("{given} {family}"),
                address: format!("{local}@{}", organisation.domain),
                org,
            });
        }
    }
    people
}

fn ascii_lower(word: &str) -> String {
    word.chars()
        .map(|c| match c {
            'ü' => 'u',
            c => c.to_ascii_lowercase(),
        })
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

/// Generates prose from the vocabulary.
pub struct Prose {
    words: Vec<&'static str>,
    russian: Vec<&'static str>,
}

impl Default for Prose {
    fn default() -> Self {
        Prose {
            words: WORDS.split_whitespace().collect(),
            russian: RUSSIAN_WORDS.split_whitespace().collect(),
        }
    }
}

impl Prose {
    /// One sentence of 8–22 words, capitalised and ending in a full stop.
    pub fn sentence(&self, rng: &mut ChaCha8Rng) -> String {
        let len = rng.gen_range(8..=22);
        let mut out = String::new();
        for i in 0..len {
            let word = if rng.gen_bool(0.3) {
                CONNECTIVES.choose(rng)
            } else {
                self.words.choose(rng)
            }
            .expect("words");
            if i == 0 {
                let mut chars = word.chars();
                let first = chars.next().expect("non-empty word").to_ascii_uppercase();
                out.push(first);
                out.extend(chars);
            } else {
                out.push(' ');
                out.push_str(word);
            }
        }
        if rng.gen_bool(0.15) {
            out.push_str(&format!(
                " {} {}",
                ORGANISATIONS.choose(rng).expect("orgs").city,
                rng.gen_range(2013..=2016)
            ));
        }
        out.push('.');
        out
    }

    pub fn paragraph(&self, rng: &mut ChaCha8Rng) -> String {
        let sentences: Vec<String> = (0..rng.gen_range(2..=6)).map(|_| self.sentence(rng)).collect();
        sentences.join(" ")
    }

    /// Paragraphs totalling at least `bytes`.
    pub fn paragraphs(&self, rng: &mut ChaCha8Rng, bytes: usize) -> Vec<String> {
        let mut out = Vec::new();
        let mut total = 0;
        while total < bytes {
            let paragraph = self.paragraph(rng);
            total += paragraph.len() + 2;
            out.push(paragraph);
        }
        out
    }

    /// Russian prose, for the windows-1251 and UTF-8 documents.
    pub fn russian_paragraph(&self, rng: &mut ChaCha8Rng) -> String {
        let mut sentences = Vec::new();
        for _ in 0..rng.gen_range(2..=5) {
            let words: Vec<&str> = (0..rng.gen_range(7..=16))
                .map(|_| *self.russian.choose(rng).expect("words"))
                .collect();
            let mut sentence = words.join(" ");
            if let Some(first) = sentence.chars().next() {
                let upper: String = first.to_uppercase().collect();
                sentence.replace_range(..first.len_utf8(), &upper);
            }
            sentence.push('.');
            sentences.push(sentence);
        }
        sentences.join(" ")
    }
}

/// Wraps text at `width` columns with `newline` between lines.
pub fn wrap(text: &str, width: usize, newline: &str) -> String {
    let mut out = String::new();
    let mut column = 0;
    for word in text.split_whitespace() {
        if column > 0 && column + 1 + word.chars().count() > width {
            out.push_str(newline);
            column = 0;
        } else if column > 0 {
            out.push(' ');
            column += 1;
        }
        out.push_str(word);
        column += word.chars().count();
    }
    out
}

/// The words of a text as the overlap measure sees them: maximal runs of
/// alphanumeric characters, lower-cased.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The set of word 5-shingles of a text.
pub fn shingles(text: &str) -> HashSet<Vec<String>> {
    let words = words(text);
    if words.len() < 5 {
        return std::iter::once(words).filter(|w| !w.is_empty()).collect();
    }
    words.windows(5).map(<[String]>::to_vec).collect()
}

/// Jaccard similarity of the word 5-shingle sets of two texts.
pub fn jaccard(a: &str, b: &str) -> f64 {
    let (a, b) = (shingles(a), shingles(b));
    let union = a.union(&b).count();
    if union == 0 {
        return 1.0;
    }
    a.intersection(&b).count() as f64 / union as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn independent_texts_share_almost_no_shingles() {
        let prose = Prose::default();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let a = prose.paragraphs(&mut rng, 4000).join("\n\n");
        let b = prose.paragraphs(&mut rng, 4000).join("\n\n");
        assert!(jaccard(&a, &b) < 0.01, "{}", jaccard(&a, &b));
        assert_eq!(jaccard(&a, &wrap(&a, 40, "\r\n")), 1.0, "wrapping keeps every shingle");
    }
}
