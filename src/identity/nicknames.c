/*
 * nicknames.c — the nickname and translation list behind cmp_nickname().
 *
 * Written out by hand from common usage in Belgium, the Netherlands, France,
 * Germany and the United Kingdom. A group holds the names that are one name:
 * a full name, its nicknames and short forms, and its forms in the other
 * languages. Groups stay narrow on purpose: "Bert" is in the Robert, Albert,
 * Hubert, ... groups, so Robert = Bert = Albert holds pairwise with Bert but
 * Robert and Albert stay different. A name belonging to two unrelated full
 * names (Jo: Johannes, Joseph, Johanna, Josephine) is in each group.
 *
 * nickname_index is the same data as (name, group) pairs sorted for binary
 * search. It is derived from nickname_groups: when a group changes, add or
 * remove its pairs in sorted position (test_compare names every pair that is
 * missing, extra or out of order).
 */
#include "identity/nicknames.h"

#include <string.h>

const char *const nickname_groups[] = {
    /* men: nicknames and translations */
    "robert robbert robrecht roberto bob bobby rob robbie robby robbe bert", /* 0 */
    "albert albertus al bert bertie ab appie",                               /* 1 */
    "hubert hubertus huub hub bert",                                         /* 2 */
    "herbert herb herbie bert",                                              /* 3 */
    "gilbert gil bert",                                                      /* 4 */
    "lambert lambertus lammert bert",                                        /* 5 */
    "norbert bert",                                                          /* 6 */
    "engelbert bert",                                                        /* 7 */
    "bertrand bert",                                                         /* 8 */
    "gijsbert gijs bert",                                                    /* 9 */
    "johannes johan johann joannes john jean jan jannes janus hans hansi hannes wannes "
    "jo joop jack johnny jonny jens sean shaun shawn yann yannick jeannot juan giovanni", /* 10 */
    "william bill billy will willy willie willi wil willem wilhelm wilhelmus wim pim "
    "guillaume liam", /* 11 */
    "joseph josef jozef josephus jos jef jo joe joey joop sepp seppl seppe jupp "
    "giuseppe jose",                                                  /* 12 */
    "peter pieter piet petrus pierre pierrot pete peer pedro pietro", /* 13 */
    "alexander alexandre alex xander sander sandro sandy alec alastair alasdair "
    "alistair lex sacha sasha", /* 14 */
    "jacob jacobus jakob jaap jaak koos sjaak jacques jacky jack jake james jim jimmy "
    "jamie",                                                                           /* 15 */
    "hendrik hendrikus henk henri henry harry hal hank heinrich hein heinz rik",       /* 16 */
    "frederik frederick frederic friedrich fritz frits fred freddy freddie freek rik", /* 17 */
    "alfred al alf alfie fred freddy freddie",                                         /* 18 */
    "wilfried wilfred fred",                                                           /* 19 */
    "manfred fred",                                                                    /* 20 */
    "richard rick ricky rich richie dick",                                             /* 21 */
    "theodoor theodorus theodore theodor theo ted teddy dorus",                        /* 22 */
    "edward eduard edouard ed eddie eddy ted teddy ned ward",                          /* 23 */
    "edmond edmund ed eddie eddy",                                                     /* 24 */
    "andreas andries andre andrew andy drew dries dre",                                /* 25 */
    "nicolaas nicolas nikolaus niklaus nicholas niklas nick nicky nico niek klaas claus "
    "klaus", /* 26 */
    "stefan stephan stefaan stephanus stephen steven stephane steve stevie stef steffen "
    "etienne",                                                                              /* 27 */
    "charles karel karl carl carlos carlo charlie charly chuck sjarel",                     /* 28 */
    "christiaan christian kristiaan kristian chris kris krist carsten karsten",             /* 29 */
    "christophe christopher christoph christof christoffel kristof chris kris stoffel kit", /* 30 */
    "antonius antoon anthony antony antoine anton antonio tony toni toon teun ton twan",    /* 31 */
    "michael michiel machiel michel mike mick mickey micky chiel mischa misha",             /* 32 */
    "leonard leonardus leonhard leendert lennart len lenny leo leen",                       /* 33 */
    "leopold leo poldi",                                                                    /* 34 */
    "paul paulus pol paolo pablo",                                                          /* 35 */
    "franciscus frans francois francis franz frank frankie franky francesco francisco",     /* 36 */
    "george georges georg georgius joris jurgen jorg jurg sjors giorgio jorge",             /* 37 */
    "gregory gregoire gregor gregorius greg",                                               /* 38 */
    "gerard gerardus gerhard gerrit gert gerd geert ger gerry",                             /* 39 */
    "gerald gerold gerry jerry",                                                            /* 40 */
    "cornelis cornelius corneel kees cor nelis",                                            /* 41 */
    "dirk diederik dietrich dieter derek derrick thierry dick",                             /* 42 */
    "bartholomeus bartholomew barthelemy bartel bart",                                      /* 43 */
    "lodewijk ludovicus ludwig louis lewis lou louie lowie lode ludo lutz luigi luis loic", /* 44 */
    "augustinus augustijn augustin augustine austin stijn",                                 /* 45 */
    "augustus august auguste gust guus gus",                                                /* 46 */
    "gustaaf gustav gustave gust guus gus staf",                                            /* 47 */
    "constantijn constantin constantine stijn",                                             /* 48 */
    "martinus martin maarten martijn tijn tinus mart marty",                                /* 49 */
    "marcus markus marc mark marco",                                                        /* 50 */
    "mattheus matthaus matthew matthieu mathieu matteo matt matty",                         /* 51 */
    "matthias mathias matthijs thijs mathis matt",                                          /* 52 */
    "thomas tomas tom thom tommy tommie",                                                   /* 53 */
    "hieronymus jeroen jeroom jerome jerry",                                                /* 54 */
    "jeremias jeremiah jeremy jeremie",                                                     /* 55 */
    "benedictus benedikt benedict benoit ben",                                              /* 56 */
    "benjamin ben benny benji bennie",                                                      /* 57 */
    "bernard bernhard bernardus bernd berend barend bernie benno ben",                      /* 58 */
    "arnold arnoud arnout arnaud arend arno arnie noud",                                    /* 59 */
    "reinier rainier reiner rein",                                                          /* 60 */
    "reinout renaud reynold reinhold reinold reginald reggie reg",                          /* 61 */
    "ronald ron ronnie ronny",                                                              /* 62 */
    "donald don donnie",                                                                    /* 63 */
    "dominicus dominique dominic dominik dominiek dom",                                     /* 64 */
    "emmanuel emanuel immanuel manuel manu",                                                /* 65 */
    "gabriel gabe",                                                                         /* 66 */
    "daniel daan dan danny dani",                                                           /* 67 */
    "david dave davy davey davide",                                                         /* 68 */
    "samuel sam sammy",                                                                     /* 69 */
    "joshua josua josh",                                                                    /* 70 */
    "nathaniel nathanael nat nate",                                                         /* 71 */
    "nathan nate",                                                                          /* 72 */
    "patrick patrik patrice pat paddy",                                                     /* 73 */
    "adriaan adrianus adrian adrien ad adri arie aad rien",                                 /* 74 */
    "marinus rinus rien",                                                                   /* 75 */
    "emile emil emiel emilio miel mil",                                                     /* 76 */
    "ferdinand fernand fernando ferdi nand",                                                /* 77 */
    "eugene eugen eugenius gene",                                                           /* 78 */
    "rudolf rudolph rodolphe rudi rudy ruud rolf dolf",                                     /* 79 */
    "adolf adolph adolphe dolf",                                                            /* 80 */
    "hugo hugues hugh huig",                                                                /* 81 */
    "vincent vince vinnie vincenzo",                                                        /* 82 */
    "valentin valentijn valentine valentino val",                                           /* 83 */
    "victor viktor vic",                                                                    /* 84 */
    "sebastiaan sebastian sebastien bas basti seb",                                         /* 85 */
    "laurentius laurens laurent lawrence laurence lorenz lorenzo lars larry rens",          /* 86 */
    "olivier oliver ollie olly oli",                                                        /* 87 */
    "philippe philip phillip philipp philippus filip flip phil pip",                        /* 88 */
    "raphael rafael raf",                                                                   /* 89 */
    "geoffrey jeffrey jeffery jeff geoff",                                                  /* 90 */
    "godfried gottfried godefroid godfrey govert",                                          /* 91 */
    "alphonse alfons alphonsus alfonso fons",                                               /* 92 */
    "camillus camiel camille",                                                              /* 93 */
    "marcel marcellus marcello",                                                            /* 94 */
    "raymond raymund raimund ray ramon",                                                    /* 95 */
    "roger rodger rutger rudiger",                                                          /* 96 */
    "roderick roderik rodrigue rodrigo rod roddy",                                          /* 97 */
    "simon siem sim",                                                                       /* 98 */
    "walter walther wouter wolter wout walt wally gauthier gautier",                        /* 99 */
    "ernest ernst ernie ernesto",                            /* 100 */
    "erik eric erich erick rik",                             /* 101 */
    "jodocus joost joos josse",                              /* 102 */
    "caspar casper kasper kaspar jasper jesper gaspard cas", /* 103 */
    "lucas lukas luc luke luuk luca",                        /* 104 */
    "lucien lucian luciano",                                 /* 105 */
    "abraham abram bram braam abe",                          /* 106 */
    "isaac izaak isaak ike",                                 /* 107 */
    "elias elijah elie eli",                                 /* 108 */
    "arthur artur art artie tuur",                           /* 109 */
    "wolfgang wolf",                                         /* 110 */
    "ulrich ulric ulrik uli",                                /* 111 */
    "tobias toby tobi tobie",                                /* 112 */
    "timotheus timothy timothee tim timmy",                  /* 113 */
    "jonathan jon jonny",                                    /* 114 */
    "maximilian maximiliaan maximilien max maxi",            /* 115 */
    "maxime max",                                            /* 116 */
    "harold harry hal",                                      /* 117 */
    "kenneth ken kenny",                                     /* 118 */
    "douglas doug",                                          /* 119 */
    "terence terrence terry",                                /* 120 */
    "zachary zacharias zach zack",                           /* 121 */
    "stanislas stanislaus stan",                             /* 122 */
    "stanley stan",                                          /* 123 */
    "maurice maurits mauritius moritz morris",               /* 124 */
    "clement clemens clem",                                  /* 125 */
    "xavier javier",                                         /* 126 */
    "guido guy",                                             /* 127 */
    "aegidius egidius gillis gilles giles egide",            /* 128 */
    "ambrosius ambroise ambrose broos",                      /* 129 */
    "remigius remi remy",                                    /* 130 */
    "koenraad conrad konrad koen coen kurt curt",            /* 131 */
    "cyriel cyril cyrille cyrillus",                         /* 132 */
    "aloysius alois aloys",                                  /* 133 */
    "roland roeland rolland orlando roel",                   /* 134 */
    "baptiste baptist battista tist",                        /* 135 */
    "herman hermann harm",                                   /* 136 */
    "joachim jochem jochen achim joakim",                    /* 137 */
    "julius jules juul",                                     /* 138 */
    "julian julien juliaan",                                 /* 139 */
    "ignatius ignace ignaas ignaz iggy",                     /* 140 */
    "ivo yves",                                              /* 141 */
    /* women: nicknames and translations */
    "johanna joanna joanne joan jeanne jean jane janet jeannette janine jeannine "
    "jeanine johanne hanne hannie joke janneke jenny jo",           /* 142 */
    "josephine josefine josefien jozefien josephina fien josie jo", /* 143 */
    "wilhelmina wilhelmine wilma mina mien minnie",                 /* 144 */
    "maria marie mary mia ria mieke marieke miep mies marietje molly polly mimi manon "
    "marion maike meike mitzi", /* 145 */
    "margaretha margareta margarete margarethe margaret margriet marguerite margarita "
    "margot margaux margo marga griet grietje greet greetje greta grete gretel gretchen "
    "maggie maggy peggy meg rita daisy", /* 146 */
    "elisabeth elizabeth liesbeth lisbeth lies lisa liza lise liese liesl lisette liz "
    "lizzie lizzy eliza elise elisa els elsa else elsie ilse betty bettina beth bess "
    "bessie bep babette libby", /* 147 */
    "katharina catharina katherine catherine kathryn katharine catharine kathleen "
    "katleen katelijne kathrin katrin katrien katrijn kaat kaatje trien trijntje kate "
    "katie katy cathy kathy kathi kitty katja kathe caitlin",                /* 148 */
    "alexandra sandra alex sandy sacha sasha xandra",                        /* 149 */
    "charlotte lotte lotta lottie lotje charlie",                            /* 150 */
    "caroline carolina karoline karolina karolien carol carole caro carrie", /* 151 */
    "christine christina kristine kristina christa krista christel chris kris tina tine "
    "stien kerstin kirsten", /* 152 */
    "christiane chris kris", /* 153 */
    "anna anne ann ana annie anneke anja antje annette anouk ans nancy hanna hannah "
    "annika annick anniek anais",                                                 /* 154 */
    "antoinette antonia toni",                                                    /* 155 */
    "michelle michele micheline",                                                 /* 156 */
    "helena helene helen ellen elena lena leni lenie nell nellie",                /* 157 */
    "eleonora eleonore eleanor leonora leonore nora noor nell nellie ellie elly", /* 158 */
    "magdalena magdalene madeleine madeline madelon magda maddie maddy lena leni lenie "
    "leen marlene",                                                                    /* 159 */
    "paula paulina pauline paulien paulette",                                          /* 160 */
    "francisca franziska francoise frances francine fanny fran",                       /* 161 */
    "cornelia corrie cor nel neeltje connie",                                          /* 162 */
    "petronella nel",                                                                  /* 163 */
    "gabrielle gabriele gabriela gabriella gaby gabi",                                 /* 164 */
    "danielle daniela daniella dani",                                                  /* 165 */
    "samantha sam sammy",                                                              /* 166 */
    "patricia pat patty patsy trish tricia",                                           /* 167 */
    "susanna susanne suzanne susan sue susie suzy suzie sanne suus suze suzette susi", /* 168 */
    "rosa rose rosie roos",                                                            /* 169 */
    "sophia sophie sofia sofie fie",                                                   /* 170 */
    "theresia theresa therese teresa tess tessa terry resi trees",                     /* 171 */
    "dorothea dorothee dorothy dora dot dottie dolly doortje thea",                    /* 172 */
    "theodora thea dora",                                                              /* 173 */
    "barbara barbie babs barb barbel",                                                 /* 174 */
    "agnes agneta aggie",                                                              /* 175 */
    "gertrude gertrud geertruida truus trudy trudi trude gertie",                      /* 176 */
    "adriana adrienne adriane adrie",                                                  /* 177 */
    "emilia emilie emily emmy millie milly",                                           /* 178 */
    "emma emmy",                                                                       /* 179 */
    "isabelle isabel isabella isabell bella belle isa izzy",                           /* 180 */
    "jacqueline jacquelien jackie jacky",                                              /* 181 */
    "judith judy jutta",                                                               /* 182 */
    "julia julie juliette juliet juul",                                                /* 183 */
    "henriette henrietta harriet hetty jet jette",                                     /* 184 */
    "hendrika riek rika",                                                              /* 185 */
    "frederique frederika frederike friederike frieda frida rieke",                    /* 186 */
    "nicole nicolette nicola colette nicky nikki",                                     /* 187 */
    "veronica veronika veronique vero",                                                /* 188 */
    "monique monica monika moni",                                                      /* 189 */
    "cecilia cecile cecily cecilie",                                                   /* 190 */
    "rebecca rebekka rebekah becky becca",                                             /* 191 */
    "deborah debora debbie debby deb",                                                 /* 192 */
    "jennifer jenny jen",                                                              /* 193 */
    "abigail abby abbie",                                                              /* 194 */
    "victoria viktoria vicky vicki tori",                                              /* 195 */
    "alice alix alicia",                                                               /* 196 */
    "evelyne eveline evelien evelyn",                                                  /* 197 */
    "eva eve evi evie evita",                                                          /* 198 */
    "mathilde mathilda matilda mechteld tilly tilde maud",                             /* 199 */
    "hildegard hildegarde hilde hilda",                                                /* 200 */
    "brigitte bridget birgit brigitta gitte britt",                                    /* 201 */
    "ingrid inge",                                                                     /* 202 */
    "ingeborg inge",                                                                   /* 203 */
    "angela angie",                                                                    /* 204 */
    "angelique angelika angelica angie",                                               /* 205 */
    "nathalie natalie natalia natascha natasha",                                       /* 206 */
    "sylvia silvia sylvie",                                                            /* 207 */
    "virginie virginia ginny",                                                         /* 208 */
    "jasmijn jasmine jasmin yasmine yasmina",                                          /* 209 */
    "amalia amelia amelie amalie",                                                     /* 210 */
    "adelheid adelaide aleida alida heidi elke aaltje",                                /* 211 */
    "sarah sara sally sadie saar saartje",                                             /* 212 */
    "lucia lucie lucy",                                                                /* 213 */
    "laura laure",                                                                     /* 214 */
    "olivia livia liv",                                                                /* 215 */
    "philippa philippine pippa",                                                       /* 216 */
    "camilla camille",                                                                 /* 217 */
    "marianne mariane marianna",                                                       /* 218 */
    "martha marthe marta",                                                             /* 219 */
    "ulrike uli rike",                                                                 /* 220 */
    "stephanie stefanie steph stef steffi",                                            /* 221 */
    "pamela pam",                                                                      /* 222 */
    "penelope penny",                                                                  /* 223 */
    "valerie valeria val",                                                             /* 224 */
    "cynthia cindy",                                                                   /* 225 */
    "cassandra cassie",                                                                /* 226 */
    "jessica jess jessie",                                                             /* 227 */
    "kimberly kim",                                                                    /* 228 */
    "melanie mel",                                                                     /* 229 */
    "melissa mel missy",                                                               /* 230 */
    "winifred winnie",                                                                 /* 231 */
    "gwendolyn gwen",                                                                  /* 232 */
    "louise louisa luise luisa lou loes wies lulu",                                    /* 233 */
};
const size_t nickname_groups_len = sizeof(nickname_groups) / sizeof(nickname_groups[0]);

const struct nickname nickname_index[] = {
    {"aad", 74},          {"aaltje", 211},      {"ab", 1},
    {"abbie", 194},       {"abby", 194},        {"abe", 106},
    {"abigail", 194},     {"abraham", 106},     {"abram", 106},
    {"achim", 137},       {"ad", 74},           {"adelaide", 211},
    {"adelheid", 211},    {"adolf", 80},        {"adolph", 80},
    {"adolphe", 80},      {"adri", 74},         {"adriaan", 74},
    {"adrian", 74},       {"adriana", 177},     {"adriane", 177},
    {"adrianus", 74},     {"adrie", 177},       {"adrien", 74},
    {"adrienne", 177},    {"aegidius", 128},    {"aggie", 175},
    {"agnes", 175},       {"agneta", 175},      {"al", 1},
    {"al", 18},           {"alasdair", 14},     {"alastair", 14},
    {"albert", 1},        {"albertus", 1},      {"alec", 14},
    {"aleida", 211},      {"alex", 14},         {"alex", 149},
    {"alexander", 14},    {"alexandra", 149},   {"alexandre", 14},
    {"alf", 18},          {"alfie", 18},        {"alfons", 92},
    {"alfonso", 92},      {"alfred", 18},       {"alice", 196},
    {"alicia", 196},      {"alida", 211},       {"alistair", 14},
    {"alix", 196},        {"alois", 133},       {"aloys", 133},
    {"aloysius", 133},    {"alphonse", 92},     {"alphonsus", 92},
    {"amalia", 210},      {"amalie", 210},      {"ambroise", 129},
    {"ambrose", 129},     {"ambrosius", 129},   {"amelia", 210},
    {"amelie", 210},      {"ana", 154},         {"anais", 154},
    {"andre", 25},        {"andreas", 25},      {"andrew", 25},
    {"andries", 25},      {"andy", 25},         {"angela", 204},
    {"angelica", 205},    {"angelika", 205},    {"angelique", 205},
    {"angie", 204},       {"angie", 205},       {"anja", 154},
    {"ann", 154},         {"anna", 154},        {"anne", 154},
    {"anneke", 154},      {"annette", 154},     {"annick", 154},
    {"annie", 154},       {"anniek", 154},      {"annika", 154},
    {"anouk", 154},       {"ans", 154},         {"anthony", 31},
    {"antje", 154},       {"antoine", 31},      {"antoinette", 155},
    {"anton", 31},        {"antonia", 155},     {"antonio", 31},
    {"antonius", 31},     {"antony", 31},       {"antoon", 31},
    {"appie", 1},         {"arend", 59},        {"arie", 74},
    {"arnaud", 59},       {"arnie", 59},        {"arno", 59},
    {"arnold", 59},       {"arnoud", 59},       {"arnout", 59},
    {"art", 109},         {"arthur", 109},      {"artie", 109},
    {"artur", 109},       {"august", 46},       {"auguste", 46},
    {"augustijn", 45},    {"augustin", 45},     {"augustine", 45},
    {"augustinus", 45},   {"augustus", 46},     {"austin", 45},
    {"babette", 147},     {"babs", 174},        {"baptist", 135},
    {"baptiste", 135},    {"barb", 174},        {"barbara", 174},
    {"barbel", 174},      {"barbie", 174},      {"barend", 58},
    {"bart", 43},         {"bartel", 43},       {"barthelemy", 43},
    {"bartholomeus", 43}, {"bartholomew", 43},  {"bas", 85},
    {"basti", 85},        {"battista", 135},    {"becca", 191},
    {"becky", 191},       {"bella", 180},       {"belle", 180},
    {"ben", 56},          {"ben", 57},          {"ben", 58},
    {"benedict", 56},     {"benedictus", 56},   {"benedikt", 56},
    {"benjamin", 57},     {"benji", 57},        {"bennie", 57},
    {"benno", 58},        {"benny", 57},        {"benoit", 56},
    {"bep", 147},         {"berend", 58},       {"bernard", 58},
    {"bernardus", 58},    {"bernd", 58},        {"bernhard", 58},
    {"bernie", 58},       {"bert", 0},          {"bert", 1},
    {"bert", 2},          {"bert", 3},          {"bert", 4},
    {"bert", 5},          {"bert", 6},          {"bert", 7},
    {"bert", 8},          {"bert", 9},          {"bertie", 1},
    {"bertrand", 8},      {"bess", 147},        {"bessie", 147},
    {"beth", 147},        {"bettina", 147},     {"betty", 147},
    {"bill", 11},         {"billy", 11},        {"birgit", 201},
    {"bob", 0},           {"bobby", 0},         {"braam", 106},
    {"bram", 106},        {"bridget", 201},     {"brigitta", 201},
    {"brigitte", 201},    {"britt", 201},       {"broos", 129},
    {"caitlin", 148},     {"camiel", 93},       {"camilla", 217},
    {"camille", 93},      {"camille", 217},     {"camillus", 93},
    {"carl", 28},         {"carlo", 28},        {"carlos", 28},
    {"caro", 151},        {"carol", 151},       {"carole", 151},
    {"carolina", 151},    {"caroline", 151},    {"carrie", 151},
    {"carsten", 29},      {"cas", 103},         {"caspar", 103},
    {"casper", 103},      {"cassandra", 226},   {"cassie", 226},
    {"catharina", 148},   {"catharine", 148},   {"catherine", 148},
    {"cathy", 148},       {"cecile", 190},      {"cecilia", 190},
    {"cecilie", 190},     {"cecily", 190},      {"charles", 28},
    {"charlie", 28},      {"charlie", 150},     {"charlotte", 150},
    {"charly", 28},       {"chiel", 32},        {"chris", 29},
    {"chris", 30},        {"chris", 152},       {"chris", 153},
    {"christa", 152},     {"christel", 152},    {"christiaan", 29},
    {"christian", 29},    {"christiane", 153},  {"christina", 152},
    {"christine", 152},   {"christof", 30},     {"christoffel", 30},
    {"christoph", 30},    {"christophe", 30},   {"christopher", 30},
    {"chuck", 28},        {"cindy", 225},       {"claus", 26},
    {"clem", 125},        {"clemens", 125},     {"clement", 125},
    {"coen", 131},        {"colette", 187},     {"connie", 162},
    {"conrad", 131},      {"constantijn", 48},  {"constantin", 48},
    {"constantine", 48},  {"cor", 41},          {"cor", 162},
    {"corneel", 41},      {"cornelia", 162},    {"cornelis", 41},
    {"cornelius", 41},    {"corrie", 162},      {"curt", 131},
    {"cynthia", 225},     {"cyriel", 132},      {"cyril", 132},
    {"cyrille", 132},     {"cyrillus", 132},    {"daan", 67},
    {"daisy", 146},       {"dan", 67},          {"dani", 67},
    {"dani", 165},        {"daniel", 67},       {"daniela", 165},
    {"daniella", 165},    {"danielle", 165},    {"danny", 67},
    {"dave", 68},         {"davey", 68},        {"david", 68},
    {"davide", 68},       {"davy", 68},         {"deb", 192},
    {"debbie", 192},      {"debby", 192},       {"debora", 192},
    {"deborah", 192},     {"derek", 42},        {"derrick", 42},
    {"dick", 21},         {"dick", 42},         {"diederik", 42},
    {"dieter", 42},       {"dietrich", 42},     {"dirk", 42},
    {"dolf", 79},         {"dolf", 80},         {"dolly", 172},
    {"dom", 64},          {"dominic", 64},      {"dominicus", 64},
    {"dominiek", 64},     {"dominik", 64},      {"dominique", 64},
    {"don", 63},          {"donald", 63},       {"donnie", 63},
    {"doortje", 172},     {"dora", 172},        {"dora", 173},
    {"dorothea", 172},    {"dorothee", 172},    {"dorothy", 172},
    {"dorus", 22},        {"dot", 172},         {"dottie", 172},
    {"doug", 119},        {"douglas", 119},     {"dre", 25},
    {"drew", 25},         {"dries", 25},        {"ed", 23},
    {"ed", 24},           {"eddie", 23},        {"eddie", 24},
    {"eddy", 23},         {"eddy", 24},         {"edmond", 24},
    {"edmund", 24},       {"edouard", 23},      {"eduard", 23},
    {"edward", 23},       {"egide", 128},       {"egidius", 128},
    {"eleanor", 158},     {"elena", 157},       {"eleonora", 158},
    {"eleonore", 158},    {"eli", 108},         {"elias", 108},
    {"elie", 108},        {"elijah", 108},      {"elisa", 147},
    {"elisabeth", 147},   {"elise", 147},       {"eliza", 147},
    {"elizabeth", 147},   {"elke", 211},        {"ellen", 157},
    {"ellie", 158},       {"elly", 158},        {"els", 147},
    {"elsa", 147},        {"else", 147},        {"elsie", 147},
    {"emanuel", 65},      {"emiel", 76},        {"emil", 76},
    {"emile", 76},        {"emilia", 178},      {"emilie", 178},
    {"emilio", 76},       {"emily", 178},       {"emma", 179},
    {"emmanuel", 65},     {"emmy", 178},        {"emmy", 179},
    {"engelbert", 7},     {"eric", 101},        {"erich", 101},
    {"erick", 101},       {"erik", 101},        {"ernest", 100},
    {"ernesto", 100},     {"ernie", 100},       {"ernst", 100},
    {"etienne", 27},      {"eugen", 78},        {"eugene", 78},
    {"eugenius", 78},     {"eva", 198},         {"eve", 198},
    {"evelien", 197},     {"eveline", 197},     {"evelyn", 197},
    {"evelyne", 197},     {"evi", 198},         {"evie", 198},
    {"evita", 198},       {"fanny", 161},       {"ferdi", 77},
    {"ferdinand", 77},    {"fernand", 77},      {"fernando", 77},
    {"fie", 170},         {"fien", 143},        {"filip", 88},
    {"flip", 88},         {"fons", 92},         {"fran", 161},
    {"frances", 161},     {"francesco", 36},    {"francine", 161},
    {"francis", 36},      {"francisca", 161},   {"francisco", 36},
    {"franciscus", 36},   {"francois", 36},     {"francoise", 161},
    {"frank", 36},        {"frankie", 36},      {"franky", 36},
    {"frans", 36},        {"franz", 36},        {"franziska", 161},
    {"fred", 17},         {"fred", 18},         {"fred", 19},
    {"fred", 20},         {"freddie", 17},      {"freddie", 18},
    {"freddy", 17},       {"freddy", 18},       {"frederic", 17},
    {"frederick", 17},    {"frederik", 17},     {"frederika", 186},
    {"frederike", 186},   {"frederique", 186},  {"freek", 17},
    {"frida", 186},       {"frieda", 186},      {"friederike", 186},
    {"friedrich", 17},    {"frits", 17},        {"fritz", 17},
    {"gabe", 66},         {"gabi", 164},        {"gabriel", 66},
    {"gabriela", 164},    {"gabriele", 164},    {"gabriella", 164},
    {"gabrielle", 164},   {"gaby", 164},        {"gaspard", 103},
    {"gauthier", 99},     {"gautier", 99},      {"geert", 39},
    {"geertruida", 176},  {"gene", 78},         {"geoff", 90},
    {"geoffrey", 90},     {"georg", 37},        {"george", 37},
    {"georges", 37},      {"georgius", 37},     {"ger", 39},
    {"gerald", 40},       {"gerard", 39},       {"gerardus", 39},
    {"gerd", 39},         {"gerhard", 39},      {"gerold", 40},
    {"gerrit", 39},       {"gerry", 39},        {"gerry", 40},
    {"gert", 39},         {"gertie", 176},      {"gertrud", 176},
    {"gertrude", 176},    {"gijs", 9},          {"gijsbert", 9},
    {"gil", 4},           {"gilbert", 4},       {"giles", 128},
    {"gilles", 128},      {"gillis", 128},      {"ginny", 208},
    {"giorgio", 37},      {"giovanni", 10},     {"gitte", 201},
    {"giuseppe", 12},     {"godefroid", 91},    {"godfrey", 91},
    {"godfried", 91},     {"gottfried", 91},    {"govert", 91},
    {"greet", 146},       {"greetje", 146},     {"greg", 38},
    {"gregoire", 38},     {"gregor", 38},       {"gregorius", 38},
    {"gregory", 38},      {"greta", 146},       {"gretchen", 146},
    {"grete", 146},       {"gretel", 146},      {"griet", 146},
    {"grietje", 146},     {"guido", 127},       {"guillaume", 11},
    {"gus", 46},          {"gus", 47},          {"gust", 46},
    {"gust", 47},         {"gustaaf", 47},      {"gustav", 47},
    {"gustave", 47},      {"guus", 46},         {"guus", 47},
    {"guy", 127},         {"gwen", 232},        {"gwendolyn", 232},
    {"hal", 16},          {"hal", 117},         {"hank", 16},
    {"hanna", 154},       {"hannah", 154},      {"hanne", 142},
    {"hannes", 10},       {"hannie", 142},      {"hans", 10},
    {"hansi", 10},        {"harm", 136},        {"harold", 117},
    {"harriet", 184},     {"harry", 16},        {"harry", 117},
    {"heidi", 211},       {"hein", 16},         {"heinrich", 16},
    {"heinz", 16},        {"helen", 157},       {"helena", 157},
    {"helene", 157},      {"hendrik", 16},      {"hendrika", 185},
    {"hendrikus", 16},    {"henk", 16},         {"henri", 16},
    {"henrietta", 184},   {"henriette", 184},   {"henry", 16},
    {"herb", 3},          {"herbert", 3},       {"herbie", 3},
    {"herman", 136},      {"hermann", 136},     {"hetty", 184},
    {"hieronymus", 54},   {"hilda", 200},       {"hilde", 200},
    {"hildegard", 200},   {"hildegarde", 200},  {"hub", 2},
    {"hubert", 2},        {"hubertus", 2},      {"hugh", 81},
    {"hugo", 81},         {"hugues", 81},       {"huig", 81},
    {"huub", 2},          {"iggy", 140},        {"ignaas", 140},
    {"ignace", 140},      {"ignatius", 140},    {"ignaz", 140},
    {"ike", 107},         {"ilse", 147},        {"immanuel", 65},
    {"inge", 202},        {"inge", 203},        {"ingeborg", 203},
    {"ingrid", 202},      {"isa", 180},         {"isaac", 107},
    {"isaak", 107},       {"isabel", 180},      {"isabell", 180},
    {"isabella", 180},    {"isabelle", 180},    {"ivo", 141},
    {"izaak", 107},       {"izzy", 180},        {"jaak", 15},
    {"jaap", 15},         {"jack", 10},         {"jack", 15},
    {"jackie", 181},      {"jacky", 15},        {"jacky", 181},
    {"jacob", 15},        {"jacobus", 15},      {"jacquelien", 181},
    {"jacqueline", 181},  {"jacques", 15},      {"jake", 15},
    {"jakob", 15},        {"james", 15},        {"jamie", 15},
    {"jan", 10},          {"jane", 142},        {"janet", 142},
    {"janine", 142},      {"janneke", 142},     {"jannes", 10},
    {"janus", 10},        {"jasmijn", 209},     {"jasmin", 209},
    {"jasmine", 209},     {"jasper", 103},      {"javier", 126},
    {"jean", 10},         {"jean", 142},        {"jeanine", 142},
    {"jeanne", 142},      {"jeannette", 142},   {"jeannine", 142},
    {"jeannot", 10},      {"jef", 12},          {"jeff", 90},
    {"jeffery", 90},      {"jeffrey", 90},      {"jen", 193},
    {"jennifer", 193},    {"jenny", 142},       {"jenny", 193},
    {"jens", 10},         {"jeremiah", 55},     {"jeremias", 55},
    {"jeremie", 55},      {"jeremy", 55},       {"jeroen", 54},
    {"jerome", 54},       {"jeroom", 54},       {"jerry", 40},
    {"jerry", 54},        {"jesper", 103},      {"jess", 227},
    {"jessica", 227},     {"jessie", 227},      {"jet", 184},
    {"jette", 184},       {"jim", 15},          {"jimmy", 15},
    {"jo", 10},           {"jo", 12},           {"jo", 142},
    {"jo", 143},          {"joachim", 137},     {"joakim", 137},
    {"joan", 142},        {"joanna", 142},      {"joanne", 142},
    {"joannes", 10},      {"jochem", 137},      {"jochen", 137},
    {"jodocus", 102},     {"joe", 12},          {"joey", 12},
    {"johan", 10},        {"johann", 10},       {"johanna", 142},
    {"johanne", 142},     {"johannes", 10},     {"john", 10},
    {"johnny", 10},       {"joke", 142},        {"jon", 114},
    {"jonathan", 114},    {"jonny", 10},        {"jonny", 114},
    {"joop", 10},         {"joop", 12},         {"joos", 102},
    {"joost", 102},       {"jorg", 37},         {"jorge", 37},
    {"joris", 37},        {"jos", 12},          {"jose", 12},
    {"josef", 12},        {"josefien", 143},    {"josefine", 143},
    {"joseph", 12},       {"josephina", 143},   {"josephine", 143},
    {"josephus", 12},     {"josh", 70},         {"joshua", 70},
    {"josie", 143},       {"josse", 102},       {"josua", 70},
    {"jozef", 12},        {"jozefien", 143},    {"juan", 10},
    {"judith", 182},      {"judy", 182},        {"jules", 138},
    {"julia", 183},       {"juliaan", 139},     {"julian", 139},
    {"julie", 183},       {"julien", 139},      {"juliet", 183},
    {"juliette", 183},    {"julius", 138},      {"jupp", 12},
    {"jurg", 37},         {"jurgen", 37},       {"jutta", 182},
    {"juul", 138},        {"juul", 183},        {"kaat", 148},
    {"kaatje", 148},      {"karel", 28},        {"karl", 28},
    {"karolien", 151},    {"karolina", 151},    {"karoline", 151},
    {"karsten", 29},      {"kaspar", 103},      {"kasper", 103},
    {"kate", 148},        {"katelijne", 148},   {"katharina", 148},
    {"katharine", 148},   {"kathe", 148},       {"katherine", 148},
    {"kathi", 148},       {"kathleen", 148},    {"kathrin", 148},
    {"kathryn", 148},     {"kathy", 148},       {"katie", 148},
    {"katja", 148},       {"katleen", 148},     {"katrien", 148},
    {"katrijn", 148},     {"katrin", 148},      {"katy", 148},
    {"kees", 41},         {"ken", 118},         {"kenneth", 118},
    {"kenny", 118},       {"kerstin", 152},     {"kim", 228},
    {"kimberly", 228},    {"kirsten", 152},     {"kit", 30},
    {"kitty", 148},       {"klaas", 26},        {"klaus", 26},
    {"koen", 131},        {"koenraad", 131},    {"konrad", 131},
    {"koos", 15},         {"kris", 29},         {"kris", 30},
    {"kris", 152},        {"kris", 153},        {"krist", 29},
    {"krista", 152},      {"kristiaan", 29},    {"kristian", 29},
    {"kristina", 152},    {"kristine", 152},    {"kristof", 30},
    {"kurt", 131},        {"lambert", 5},       {"lambertus", 5},
    {"lammert", 5},       {"larry", 86},        {"lars", 86},
    {"laura", 214},       {"laure", 214},       {"laurence", 86},
    {"laurens", 86},      {"laurent", 86},      {"laurentius", 86},
    {"lawrence", 86},     {"leen", 33},         {"leen", 159},
    {"leendert", 33},     {"len", 33},          {"lena", 157},
    {"lena", 159},        {"leni", 157},        {"leni", 159},
    {"lenie", 157},       {"lenie", 159},       {"lennart", 33},
    {"lenny", 33},        {"leo", 33},          {"leo", 34},
    {"leonard", 33},      {"leonardus", 33},    {"leonhard", 33},
    {"leonora", 158},     {"leonore", 158},     {"leopold", 34},
    {"lewis", 44},        {"lex", 14},          {"liam", 11},
    {"libby", 147},       {"lies", 147},        {"liesbeth", 147},
    {"liese", 147},       {"liesl", 147},       {"lisa", 147},
    {"lisbeth", 147},     {"lise", 147},        {"lisette", 147},
    {"liv", 215},         {"livia", 215},       {"liz", 147},
    {"liza", 147},        {"lizzie", 147},      {"lizzy", 147},
    {"lode", 44},         {"lodewijk", 44},     {"loes", 233},
    {"loic", 44},         {"lorenz", 86},       {"lorenzo", 86},
    {"lotje", 150},       {"lotta", 150},       {"lotte", 150},
    {"lottie", 150},      {"lou", 44},          {"lou", 233},
    {"louie", 44},        {"louis", 44},        {"louisa", 233},
    {"louise", 233},      {"lowie", 44},        {"luc", 104},
    {"luca", 104},        {"lucas", 104},       {"lucia", 213},
    {"lucian", 105},      {"luciano", 105},     {"lucie", 213},
    {"lucien", 105},      {"lucy", 213},        {"ludo", 44},
    {"ludovicus", 44},    {"ludwig", 44},       {"luigi", 44},
    {"luis", 44},         {"luisa", 233},       {"luise", 233},
    {"lukas", 104},       {"luke", 104},        {"lulu", 233},
    {"lutz", 44},         {"luuk", 104},        {"maarten", 49},
    {"machiel", 32},      {"maddie", 159},      {"maddy", 159},
    {"madeleine", 159},   {"madeline", 159},    {"madelon", 159},
    {"magda", 159},       {"magdalena", 159},   {"magdalene", 159},
    {"maggie", 146},      {"maggy", 146},       {"maike", 145},
    {"manfred", 20},      {"manon", 145},       {"manu", 65},
    {"manuel", 65},       {"marc", 50},         {"marcel", 94},
    {"marcello", 94},     {"marcellus", 94},    {"marco", 50},
    {"marcus", 50},       {"marga", 146},       {"margaret", 146},
    {"margareta", 146},   {"margarete", 146},   {"margaretha", 146},
    {"margarethe", 146},  {"margarita", 146},   {"margaux", 146},
    {"margo", 146},       {"margot", 146},      {"margriet", 146},
    {"marguerite", 146},  {"maria", 145},       {"mariane", 218},
    {"marianna", 218},    {"marianne", 218},    {"marie", 145},
    {"marieke", 145},     {"marietje", 145},    {"marinus", 75},
    {"marion", 145},      {"mark", 50},         {"markus", 50},
    {"marlene", 159},     {"mart", 49},         {"marta", 219},
    {"martha", 219},      {"marthe", 219},      {"martijn", 49},
    {"martin", 49},       {"martinus", 49},     {"marty", 49},
    {"mary", 145},        {"mathias", 52},      {"mathieu", 51},
    {"mathilda", 199},    {"mathilde", 199},    {"mathis", 52},
    {"matilda", 199},     {"matt", 51},         {"matt", 52},
    {"matteo", 51},       {"matthaus", 51},     {"mattheus", 51},
    {"matthew", 51},      {"matthias", 52},     {"matthieu", 51},
    {"matthijs", 52},     {"matty", 51},        {"maud", 199},
    {"maurice", 124},     {"mauritius", 124},   {"maurits", 124},
    {"max", 115},         {"max", 116},         {"maxi", 115},
    {"maxime", 116},      {"maximiliaan", 115}, {"maximilian", 115},
    {"maximilien", 115},  {"mechteld", 199},    {"meg", 146},
    {"meike", 145},       {"mel", 229},         {"mel", 230},
    {"melanie", 229},     {"melissa", 230},     {"mia", 145},
    {"michael", 32},      {"michel", 32},       {"michele", 156},
    {"micheline", 156},   {"michelle", 156},    {"michiel", 32},
    {"mick", 32},         {"mickey", 32},       {"micky", 32},
    {"mieke", 145},       {"miel", 76},         {"mien", 144},
    {"miep", 145},        {"mies", 145},        {"mike", 32},
    {"mil", 76},          {"millie", 178},      {"milly", 178},
    {"mimi", 145},        {"mina", 144},        {"minnie", 144},
    {"mischa", 32},       {"misha", 32},        {"missy", 230},
    {"mitzi", 145},       {"molly", 145},       {"moni", 189},
    {"monica", 189},      {"monika", 189},      {"monique", 189},
    {"moritz", 124},      {"morris", 124},      {"nancy", 154},
    {"nand", 77},         {"nat", 71},          {"natalia", 206},
    {"natalie", 206},     {"natascha", 206},    {"natasha", 206},
    {"nate", 71},         {"nate", 72},         {"nathalie", 206},
    {"nathan", 72},       {"nathanael", 71},    {"nathaniel", 71},
    {"ned", 23},          {"neeltje", 162},     {"nel", 162},
    {"nel", 163},         {"nelis", 41},        {"nell", 157},
    {"nell", 158},        {"nellie", 157},      {"nellie", 158},
    {"nicholas", 26},     {"nick", 26},         {"nicky", 26},
    {"nicky", 187},       {"nico", 26},         {"nicola", 187},
    {"nicolaas", 26},     {"nicolas", 26},      {"nicole", 187},
    {"nicolette", 187},   {"niek", 26},         {"nikki", 187},
    {"niklas", 26},       {"niklaus", 26},      {"nikolaus", 26},
    {"noor", 158},        {"nora", 158},        {"norbert", 6},
    {"noud", 59},         {"oli", 87},          {"oliver", 87},
    {"olivia", 215},      {"olivier", 87},      {"ollie", 87},
    {"olly", 87},         {"orlando", 134},     {"pablo", 35},
    {"paddy", 73},        {"pam", 222},         {"pamela", 222},
    {"paolo", 35},        {"pat", 73},          {"pat", 167},
    {"patrice", 73},      {"patricia", 167},    {"patrick", 73},
    {"patrik", 73},       {"patsy", 167},       {"patty", 167},
    {"paul", 35},         {"paula", 160},       {"paulette", 160},
    {"paulien", 160},     {"paulina", 160},     {"pauline", 160},
    {"paulus", 35},       {"pedro", 13},        {"peer", 13},
    {"peggy", 146},       {"penelope", 223},    {"penny", 223},
    {"pete", 13},         {"peter", 13},        {"petronella", 163},
    {"petrus", 13},       {"phil", 88},         {"philip", 88},
    {"philipp", 88},      {"philippa", 216},    {"philippe", 88},
    {"philippine", 216},  {"philippus", 88},    {"phillip", 88},
    {"pierre", 13},       {"pierrot", 13},      {"piet", 13},
    {"pieter", 13},       {"pietro", 13},       {"pim", 11},
    {"pip", 88},          {"pippa", 216},       {"pol", 35},
    {"poldi", 34},        {"polly", 145},       {"raf", 89},
    {"rafael", 89},       {"raimund", 95},      {"rainier", 60},
    {"ramon", 95},        {"raphael", 89},      {"ray", 95},
    {"raymond", 95},      {"raymund", 95},      {"rebecca", 191},
    {"rebekah", 191},     {"rebekka", 191},     {"reg", 61},
    {"reggie", 61},       {"reginald", 61},     {"rein", 60},
    {"reiner", 60},       {"reinhold", 61},     {"reinier", 60},
    {"reinold", 61},      {"reinout", 61},      {"remi", 130},
    {"remigius", 130},    {"remy", 130},        {"renaud", 61},
    {"rens", 86},         {"resi", 171},        {"reynold", 61},
    {"ria", 145},         {"rich", 21},         {"richard", 21},
    {"richie", 21},       {"rick", 21},         {"ricky", 21},
    {"riek", 185},        {"rieke", 186},       {"rien", 74},
    {"rien", 75},         {"rik", 16},          {"rik", 17},
    {"rik", 101},         {"rika", 185},        {"rike", 220},
    {"rinus", 75},        {"rita", 146},        {"rob", 0},
    {"robbe", 0},         {"robbert", 0},       {"robbie", 0},
    {"robby", 0},         {"robert", 0},        {"roberto", 0},
    {"robrecht", 0},      {"rod", 97},          {"roddy", 97},
    {"roderick", 97},     {"roderik", 97},      {"rodger", 96},
    {"rodolphe", 79},     {"rodrigo", 97},      {"rodrigue", 97},
    {"roel", 134},        {"roeland", 134},     {"roger", 96},
    {"roland", 134},      {"rolf", 79},         {"rolland", 134},
    {"ron", 62},          {"ronald", 62},       {"ronnie", 62},
    {"ronny", 62},        {"roos", 169},        {"rosa", 169},
    {"rose", 169},        {"rosie", 169},       {"rudi", 79},
    {"rudiger", 96},      {"rudolf", 79},       {"rudolph", 79},
    {"rudy", 79},         {"rutger", 96},       {"ruud", 79},
    {"saar", 212},        {"saartje", 212},     {"sacha", 14},
    {"sacha", 149},       {"sadie", 212},       {"sally", 212},
    {"sam", 69},          {"sam", 166},         {"samantha", 166},
    {"sammy", 69},        {"sammy", 166},       {"samuel", 69},
    {"sander", 14},       {"sandra", 149},      {"sandro", 14},
    {"sandy", 14},        {"sandy", 149},       {"sanne", 168},
    {"sara", 212},        {"sarah", 212},       {"sasha", 14},
    {"sasha", 149},       {"sean", 10},         {"seb", 85},
    {"sebastiaan", 85},   {"sebastian", 85},    {"sebastien", 85},
    {"sepp", 12},         {"seppe", 12},        {"seppl", 12},
    {"shaun", 10},        {"shawn", 10},        {"siem", 98},
    {"silvia", 207},      {"sim", 98},          {"simon", 98},
    {"sjaak", 15},        {"sjarel", 28},       {"sjors", 37},
    {"sofia", 170},       {"sofie", 170},       {"sophia", 170},
    {"sophie", 170},      {"staf", 47},         {"stan", 122},
    {"stan", 123},        {"stanislas", 122},   {"stanislaus", 122},
    {"stanley", 123},     {"stef", 27},         {"stef", 221},
    {"stefaan", 27},      {"stefan", 27},       {"stefanie", 221},
    {"steffen", 27},      {"steffi", 221},      {"steph", 221},
    {"stephan", 27},      {"stephane", 27},     {"stephanie", 221},
    {"stephanus", 27},    {"stephen", 27},      {"steve", 27},
    {"steven", 27},       {"stevie", 27},       {"stien", 152},
    {"stijn", 45},        {"stijn", 48},        {"stoffel", 30},
    {"sue", 168},         {"susan", 168},       {"susanna", 168},
    {"susanne", 168},     {"susi", 168},        {"susie", 168},
    {"suus", 168},        {"suzanne", 168},     {"suze", 168},
    {"suzette", 168},     {"suzie", 168},       {"suzy", 168},
    {"sylvia", 207},      {"sylvie", 207},      {"ted", 22},
    {"ted", 23},          {"teddy", 22},        {"teddy", 23},
    {"terence", 120},     {"teresa", 171},      {"terrence", 120},
    {"terry", 120},       {"terry", 171},       {"tess", 171},
    {"tessa", 171},       {"teun", 31},         {"thea", 172},
    {"thea", 173},        {"theo", 22},         {"theodoor", 22},
    {"theodor", 22},      {"theodora", 173},    {"theodore", 22},
    {"theodorus", 22},    {"theresa", 171},     {"therese", 171},
    {"theresia", 171},    {"thierry", 42},      {"thijs", 52},
    {"thom", 53},         {"thomas", 53},       {"tijn", 49},
    {"tilde", 199},       {"tilly", 199},       {"tim", 113},
    {"timmy", 113},       {"timothee", 113},    {"timotheus", 113},
    {"timothy", 113},     {"tina", 152},        {"tine", 152},
    {"tinus", 49},        {"tist", 135},        {"tobi", 112},
    {"tobias", 112},      {"tobie", 112},       {"toby", 112},
    {"tom", 53},          {"tomas", 53},        {"tommie", 53},
    {"tommy", 53},        {"ton", 31},          {"toni", 31},
    {"toni", 155},        {"tony", 31},         {"toon", 31},
    {"tori", 195},        {"trees", 171},       {"tricia", 167},
    {"trien", 148},       {"trijntje", 148},    {"trish", 167},
    {"trude", 176},       {"trudi", 176},       {"trudy", 176},
    {"truus", 176},       {"tuur", 109},        {"twan", 31},
    {"uli", 111},         {"uli", 220},         {"ulric", 111},
    {"ulrich", 111},      {"ulrik", 111},       {"ulrike", 220},
    {"val", 83},          {"val", 224},         {"valentijn", 83},
    {"valentin", 83},     {"valentine", 83},    {"valentino", 83},
    {"valeria", 224},     {"valerie", 224},     {"vero", 188},
    {"veronica", 188},    {"veronika", 188},    {"veronique", 188},
    {"vic", 84},          {"vicki", 195},       {"vicky", 195},
    {"victor", 84},       {"victoria", 195},    {"viktor", 84},
    {"viktoria", 195},    {"vince", 82},        {"vincent", 82},
    {"vincenzo", 82},     {"vinnie", 82},       {"virginia", 208},
    {"virginie", 208},    {"wally", 99},        {"walt", 99},
    {"walter", 99},       {"walther", 99},      {"wannes", 10},
    {"ward", 23},         {"wies", 233},        {"wil", 11},
    {"wilfred", 19},      {"wilfried", 19},     {"wilhelm", 11},
    {"wilhelmina", 144},  {"wilhelmine", 144},  {"wilhelmus", 11},
    {"will", 11},         {"willem", 11},       {"willi", 11},
    {"william", 11},      {"willie", 11},       {"willy", 11},
    {"wilma", 144},       {"wim", 11},          {"winifred", 231},
    {"winnie", 231},      {"wolf", 110},        {"wolfgang", 110},
    {"wolter", 99},       {"wout", 99},         {"wouter", 99},
    {"xander", 14},       {"xandra", 149},      {"xavier", 126},
    {"yann", 10},         {"yannick", 10},      {"yasmina", 209},
    {"yasmine", 209},     {"yves", 141},        {"zach", 121},
    {"zacharias", 121},   {"zachary", 121},     {"zack", 121},
};
const size_t nickname_index_len = sizeof(nickname_index) / sizeof(nickname_index[0]);

/* strcmp order between the n bytes at key and a NUL-terminated name. */
static int key_cmp(const char *key, size_t n, const char *name)
{
    size_t len = strlen(name);
    int c = memcmp(key, name, n < len ? n : len);
    if (c)
        return c;
    return n < len ? -1 : n > len;
}

const struct nickname *nickname_find(const char *name, size_t n, size_t *count)
{
    /* lower bound: the first entry not below the key */
    size_t lo = 0, hi = nickname_index_len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (key_cmp(name, n, nickname_index[mid].name) > 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < nickname_index_len && !key_cmp(name, n, nickname_index[end].name))
        end++;
    *count = end - lo;
    return end > lo ? &nickname_index[lo] : NULL;
}
