/*
 * name_data.c — the first-name list and its lookup.
 *
 * The list is written out by hand (names common in Belgium, the Netherlands,
 * France, Germany and the UK, both genders) and kept sorted by key so a
 * lookup is one bsearch. Keys are lower-case ASCII with accents stripped; a
 * word is brought to that form on the stack (ASCII directly, other text
 * through fold_utf8 of base/fold.h, without compatibility mapping), so
 * lookups are thread-safe and malloc-free.
 */
#include "clean/name_data.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/fold.h"

/* Longest key: longer words are not first names. */
#define KEY_MAX 24

const struct first_name first_names[] = {
    {"aaron", FN_MALE, false},        {"abigail", FN_FEMALE, false},
    {"adam", FN_MALE, true},          {"adele", FN_FEMALE, false},
    {"adriana", FN_FEMALE, false},    {"adrianus", FN_MALE, false},
    {"adrien", FN_MALE, false},       {"agnes", FN_FEMALE, false},
    {"alain", FN_MALE, false},        {"alan", FN_MALE, false},
    {"albert", FN_MALE, true},        {"alex", FN_UNISEX, false},
    {"alexander", FN_MALE, false},    {"alexandre", FN_MALE, false},
    {"alfie", FN_MALE, false},        {"alfons", FN_MALE, false},
    {"alice", FN_FEMALE, false},      {"alistair", FN_MALE, false},
    {"amandine", FN_FEMALE, false},   {"amber", FN_FEMALE, false},
    {"ambre", FN_FEMALE, false},      {"amelia", FN_FEMALE, false},
    {"amelie", FN_FEMALE, false},     {"amy", FN_FEMALE, false},
    {"an", FN_FEMALE, false},         {"anais", FN_FEMALE, false},
    {"andre", FN_MALE, false},        {"andrea", FN_FEMALE, false},
    {"andreas", FN_MALE, false},      {"andrew", FN_MALE, false},
    {"angelika", FN_FEMALE, false},   {"angus", FN_MALE, false},
    {"anja", FN_FEMALE, false},       {"ann", FN_FEMALE, false},
    {"anna", FN_FEMALE, false},       {"anne", FN_FEMALE, false},
    {"anneleen", FN_FEMALE, false},   {"annelies", FN_FEMALE, false},
    {"annick", FN_FEMALE, false},     {"annie", FN_FEMALE, false},
    {"annika", FN_FEMALE, false},     {"anouk", FN_FEMALE, false},
    {"anthony", FN_MALE, false},      {"antoine", FN_MALE, true},
    {"anton", FN_MALE, false},        {"antonia", FN_FEMALE, false},
    {"antonius", FN_MALE, false},     {"apolline", FN_FEMALE, false},
    {"archie", FN_MALE, false},       {"arjen", FN_MALE, false},
    {"armand", FN_MALE, false},       {"armin", FN_MALE, false},
    {"arnaud", FN_MALE, true},        {"arne", FN_MALE, false},
    {"arnold", FN_MALE, true},        {"arthur", FN_MALE, false},
    {"astrid", FN_FEMALE, false},     {"audrey", FN_FEMALE, false},
    {"aurelie", FN_FEMALE, false},    {"aurelien", FN_MALE, false},
    {"ava", FN_FEMALE, false},        {"axelle", FN_FEMALE, false},
    {"baptiste", FN_MALE, true},      {"barbara", FN_FEMALE, false},
    {"barry", FN_MALE, false},        {"bart", FN_MALE, false},
    {"bas", FN_MALE, false},          {"bastien", FN_MALE, false},
    {"beate", FN_FEMALE, false},      {"beatrice", FN_FEMALE, false},
    {"ben", FN_MALE, false},          {"benedikt", FN_MALE, false},
    {"benjamin", FN_MALE, false},     {"benoit", FN_MALE, true},
    {"bernard", FN_MALE, true},       {"bernd", FN_MALE, false},
    {"bernhard", FN_MALE, false},     {"bethany", FN_FEMALE, false},
    {"bianca", FN_FEMALE, false},     {"birgit", FN_FEMALE, false},
    {"bjorn", FN_MALE, false},        {"bradley", FN_MALE, false},
    {"bram", FN_MALE, false},         {"brecht", FN_MALE, false},
    {"brian", FN_MALE, false},        {"brigitte", FN_FEMALE, false},
    {"britt", FN_FEMALE, false},      {"bruno", FN_MALE, false},
    {"callum", FN_MALE, false},       {"camille", FN_UNISEX, false},
    {"capucine", FN_FEMALE, false},   {"carina", FN_FEMALE, false},
    {"carine", FN_FEMALE, false},     {"carl", FN_MALE, false},
    {"carole", FN_FEMALE, false},     {"caroline", FN_FEMALE, false},
    {"catharina", FN_FEMALE, false},  {"catherine", FN_FEMALE, false},
    {"cecile", FN_FEMALE, false},     {"cedric", FN_MALE, false},
    {"celine", FN_FEMALE, false},     {"chantal", FN_FEMALE, false},
    {"charles", FN_MALE, true},       {"charlie", FN_UNISEX, false},
    {"charline", FN_FEMALE, false},   {"charlotte", FN_FEMALE, false},
    {"chloe", FN_FEMALE, false},      {"christel", FN_FEMALE, false},
    {"christian", FN_MALE, false},    {"christiane", FN_FEMALE, false},
    {"christina", FN_FEMALE, false},  {"christine", FN_FEMALE, false},
    {"christophe", FN_MALE, false},   {"christopher", FN_MALE, false},
    {"claire", FN_FEMALE, false},     {"clara", FN_FEMALE, false},
    {"claude", FN_UNISEX, true},      {"claudia", FN_FEMALE, false},
    {"clemence", FN_FEMALE, false},   {"clement", FN_MALE, true},
    {"colette", FN_FEMALE, false},    {"colin", FN_MALE, false},
    {"connor", FN_MALE, true},        {"cor", FN_MALE, false},
    {"coralie", FN_FEMALE, false},    {"corentin", FN_MALE, false},
    {"cornelia", FN_FEMALE, false},   {"cornelis", FN_MALE, false},
    {"craig", FN_MALE, true},         {"cyriel", FN_MALE, false},
    {"daan", FN_MALE, false},         {"daisy", FN_FEMALE, false},
    {"damien", FN_MALE, false},       {"dan", FN_MALE, false},
    {"daniel", FN_MALE, false},       {"daniela", FN_FEMALE, false},
    {"danielle", FN_FEMALE, false},   {"danny", FN_MALE, false},
    {"darren", FN_MALE, false},       {"david", FN_MALE, true},
    {"dean", FN_MALE, true},          {"delphine", FN_FEMALE, false},
    {"denis", FN_MALE, true},         {"denise", FN_FEMALE, false},
    {"dennis", FN_MALE, false},       {"derek", FN_MALE, false},
    {"detlef", FN_MALE, false},       {"didier", FN_MALE, false},
    {"dieter", FN_MALE, false},       {"dimitri", FN_MALE, false},
    {"dina", FN_FEMALE, false},       {"dirk", FN_MALE, false},
    {"dominik", FN_MALE, false},      {"dominique", FN_UNISEX, false},
    {"donald", FN_MALE, false},       {"doris", FN_FEMALE, false},
    {"douglas", FN_MALE, true},       {"dries", FN_MALE, false},
    {"duncan", FN_MALE, true},        {"dylan", FN_MALE, false},
    {"eddy", FN_MALE, false},         {"edith", FN_FEMALE, false},
    {"edouard", FN_MALE, false},      {"edward", FN_MALE, false},
    {"edwin", FN_MALE, false},        {"egon", FN_MALE, false},
    {"elfriede", FN_FEMALE, false},   {"elias", FN_MALE, false},
    {"elien", FN_FEMALE, false},      {"elisabeth", FN_FEMALE, false},
    {"elise", FN_FEMALE, false},      {"elizabeth", FN_FEMALE, false},
    {"elke", FN_FEMALE, false},       {"ella", FN_FEMALE, false},
    {"ellie", FN_FEMALE, false},      {"elliot", FN_MALE, true},
    {"elodie", FN_FEMALE, false},     {"eloise", FN_FEMALE, false},
    {"els", FN_FEMALE, false},        {"elsa", FN_FEMALE, false},
    {"emiel", FN_MALE, false},        {"emil", FN_MALE, false},
    {"emile", FN_MALE, false},        {"emilia", FN_FEMALE, false},
    {"emilie", FN_FEMALE, false},     {"emily", FN_FEMALE, false},
    {"emma", FN_FEMALE, false},       {"emmanuel", FN_MALE, false},
    {"emmanuelle", FN_FEMALE, false}, {"enzo", FN_MALE, false},
    {"eric", FN_MALE, false},         {"erik", FN_MALE, false},
    {"erika", FN_FEMALE, false},      {"ernest", FN_MALE, false},
    {"ernst", FN_MALE, true},         {"erwin", FN_MALE, false},
    {"estelle", FN_FEMALE, false},    {"esther", FN_FEMALE, false},
    {"ethan", FN_MALE, false},        {"etienne", FN_MALE, false},
    {"euan", FN_MALE, false},         {"eva", FN_FEMALE, false},
    {"evelien", FN_FEMALE, false},    {"evi", FN_FEMALE, false},
    {"evie", FN_FEMALE, false},       {"ewan", FN_MALE, false},
    {"fabian", FN_MALE, false},       {"fabien", FN_MALE, false},
    {"fabienne", FN_FEMALE, false},   {"fabrice", FN_MALE, false},
    {"fanny", FN_FEMALE, false},      {"febe", FN_FEMALE, false},
    {"felix", FN_MALE, false},        {"femke", FN_FEMALE, false},
    {"fenna", FN_FEMALE, false},      {"fien", FN_FEMALE, false},
    {"filip", FN_MALE, false},        {"finlay", FN_MALE, false},
    {"finn", FN_MALE, false},         {"fleur", FN_FEMALE, false},
    {"floor", FN_FEMALE, false},      {"florence", FN_FEMALE, true},
    {"florian", FN_MALE, false},      {"franciscus", FN_MALE, false},
    {"franck", FN_MALE, false},       {"francois", FN_MALE, true},
    {"francoise", FN_FEMALE, false},  {"frank", FN_MALE, true},
    {"franz", FN_MALE, false},        {"franziska", FN_FEMALE, false},
    {"fraser", FN_MALE, true},        {"fred", FN_MALE, false},
    {"freddie", FN_MALE, false},      {"frederic", FN_MALE, false},
    {"frederik", FN_MALE, false},     {"freya", FN_FEMALE, false},
    {"frida", FN_FEMALE, false},      {"frieda", FN_FEMALE, false},
    {"friedrich", FN_MALE, true},     {"fritz", FN_MALE, false},
    {"gabriel", FN_MALE, true},       {"gabriele", FN_FEMALE, false},
    {"gabrielle", FN_FEMALE, false},  {"gael", FN_MALE, false},
    {"gaelle", FN_FEMALE, false},     {"gareth", FN_MALE, false},
    {"gary", FN_MALE, false},         {"gaston", FN_MALE, false},
    {"gauthier", FN_MALE, false},     {"geert", FN_MALE, false},
    {"genevieve", FN_FEMALE, false},  {"geoffrey", FN_MALE, false},
    {"georg", FN_MALE, false},        {"george", FN_MALE, true},
    {"georges", FN_MALE, false},      {"georgia", FN_FEMALE, false},
    {"gerald", FN_MALE, false},       {"gerard", FN_MALE, true},
    {"gerhard", FN_MALE, false},      {"gerrit", FN_MALE, false},
    {"gert", FN_MALE, false},         {"gertrud", FN_FEMALE, false},
    {"gijs", FN_MALE, false},         {"gilles", FN_MALE, true},
    {"ginette", FN_FEMALE, false},    {"gisela", FN_FEMALE, false},
    {"glenn", FN_MALE, true},         {"gordon", FN_MALE, true},
    {"gottfried", FN_MALE, false},    {"grace", FN_FEMALE, true},
    {"graham", FN_MALE, true},        {"grant", FN_MALE, true},
    {"greet", FN_FEMALE, false},      {"gregory", FN_MALE, false},
    {"greta", FN_FEMALE, false},      {"griet", FN_FEMALE, false},
    {"guenter", FN_MALE, false},      {"guenther", FN_MALE, false},
    {"guido", FN_MALE, false},        {"guillaume", FN_MALE, true},
    {"gunter", FN_MALE, false},       {"gunther", FN_MALE, false},
    {"gustaaf", FN_MALE, false},      {"gustav", FN_MALE, false},
    {"gustave", FN_MALE, false},      {"hadrien", FN_MALE, false},
    {"hamish", FN_MALE, false},       {"hanna", FN_FEMALE, false},
    {"hannah", FN_FEMALE, false},     {"hannes", FN_MALE, false},
    {"hans", FN_MALE, false},         {"harold", FN_MALE, false},
    {"harry", FN_MALE, false},        {"hartmut", FN_MALE, false},
    {"harvey", FN_MALE, true},        {"heike", FN_FEMALE, false},
    {"heinrich", FN_MALE, false},     {"heinz", FN_MALE, false},
    {"helen", FN_FEMALE, false},      {"helene", FN_FEMALE, false},
    {"helga", FN_FEMALE, false},      {"helmut", FN_MALE, false},
    {"hendrik", FN_MALE, false},      {"henk", FN_MALE, false},
    {"henri", FN_MALE, true},         {"henry", FN_MALE, true},
    {"herbert", FN_MALE, false},      {"hermann", FN_MALE, true},
    {"herve", FN_MALE, false},        {"hester", FN_FEMALE, false},
    {"hilde", FN_FEMALE, false},      {"hildegard", FN_FEMALE, false},
    {"holger", FN_MALE, false},       {"holly", FN_FEMALE, false},
    {"horst", FN_MALE, false},        {"howard", FN_MALE, true},
    {"hubert", FN_MALE, false},       {"hugh", FN_MALE, false},
    {"hugo", FN_MALE, false},         {"ian", FN_MALE, false},
    {"ida", FN_FEMALE, false},        {"ilona", FN_FEMALE, false},
    {"ilse", FN_FEMALE, false},       {"ines", FN_FEMALE, false},
    {"inge", FN_FEMALE, false},       {"ingrid", FN_FEMALE, false},
    {"iris", FN_FEMALE, false},       {"irmgard", FN_FEMALE, false},
    {"isa", FN_FEMALE, false},        {"isaac", FN_MALE, false},
    {"isabella", FN_FEMALE, false},   {"isabelle", FN_FEMALE, false},
    {"isla", FN_FEMALE, false},       {"ivo", FN_MALE, false},
    {"jack", FN_MALE, false},         {"jacob", FN_MALE, true},
    {"jacobus", FN_MALE, false},      {"jacqueline", FN_FEMALE, false},
    {"jacques", FN_MALE, false},      {"jade", FN_FEMALE, false},
    {"jake", FN_MALE, false},         {"jakob", FN_MALE, false},
    {"james", FN_MALE, true},         {"jan", FN_MALE, false},
    {"jana", FN_FEMALE, false},       {"jane", FN_FEMALE, false},
    {"janet", FN_FEMALE, false},      {"janneke", FN_FEMALE, false},
    {"jannik", FN_MALE, false},       {"jasmijn", FN_FEMALE, false},
    {"jasmin", FN_FEMALE, false},     {"jason", FN_MALE, false},
    {"jasper", FN_MALE, false},       {"jean", FN_MALE, false},
    {"jeanne", FN_FEMALE, false},     {"jef", FN_MALE, false},
    {"jelle", FN_MALE, false},        {"jennifer", FN_FEMALE, false},
    {"jens", FN_MALE, false},         {"jeremie", FN_MALE, false},
    {"jeremy", FN_MALE, false},       {"jeroen", FN_MALE, false},
    {"jerome", FN_MALE, false},       {"jesse", FN_MALE, false},
    {"jessica", FN_FEMALE, false},    {"jo", FN_UNISEX, false},
    {"joachim", FN_MALE, false},      {"joan", FN_FEMALE, false},
    {"joanne", FN_FEMALE, false},     {"joe", FN_MALE, false},
    {"joel", FN_MALE, false},         {"joerg", FN_MALE, false},
    {"joeri", FN_MALE, false},        {"johan", FN_MALE, false},
    {"johann", FN_MALE, false},       {"johanna", FN_FEMALE, false},
    {"johannes", FN_MALE, false},     {"john", FN_MALE, false},
    {"joke", FN_FEMALE, false},       {"jolanda", FN_FEMALE, false},
    {"jolien", FN_FEMALE, false},     {"jonas", FN_MALE, false},
    {"jonathan", FN_MALE, false},     {"joost", FN_MALE, false},
    {"jordan", FN_MALE, true},        {"jorg", FN_MALE, false},
    {"joris", FN_MALE, false},        {"jos", FN_MALE, false},
    {"josef", FN_MALE, false},        {"joseph", FN_MALE, true},
    {"josephine", FN_FEMALE, false},  {"joshua", FN_MALE, false},
    {"josiane", FN_FEMALE, false},    {"jozef", FN_MALE, false},
    {"juergen", FN_MALE, false},      {"jules", FN_MALE, false},
    {"julia", FN_FEMALE, false},      {"julian", FN_MALE, false},
    {"julie", FN_FEMALE, false},      {"julien", FN_MALE, false},
    {"juliette", FN_FEMALE, false},   {"jurgen", FN_MALE, false},
    {"justine", FN_FEMALE, false},    {"kai", FN_MALE, false},
    {"karel", FN_MALE, false},        {"karen", FN_FEMALE, false},
    {"karin", FN_FEMALE, false},      {"karl", FN_MALE, false},
    {"karolien", FN_FEMALE, false},   {"katharina", FN_FEMALE, false},
    {"kathleen", FN_FEMALE, false},   {"kathrin", FN_FEMALE, false},
    {"katie", FN_FEMALE, false},      {"katrien", FN_FEMALE, false},
    {"katrin", FN_FEMALE, false},     {"kees", FN_MALE, false},
    {"keith", FN_MALE, false},        {"kenneth", FN_MALE, false},
    {"kenny", FN_MALE, false},        {"kerstin", FN_FEMALE, false},
    {"kevin", FN_MALE, false},        {"kieran", FN_MALE, false},
    {"kilian", FN_MALE, false},       {"kim", FN_UNISEX, false},
    {"klara", FN_FEMALE, false},      {"klaus", FN_MALE, false},
    {"kobe", FN_MALE, false},         {"koen", FN_MALE, false},
    {"konrad", FN_MALE, true},        {"konstantin", FN_MALE, false},
    {"kris", FN_MALE, false},         {"kristel", FN_FEMALE, false},
    {"kristof", FN_MALE, false},      {"kurt", FN_MALE, false},
    {"kylian", FN_MALE, false},       {"laetitia", FN_FEMALE, false},
    {"lambert", FN_MALE, true},       {"lander", FN_MALE, false},
    {"lara", FN_FEMALE, false},       {"lars", FN_MALE, false},
    {"laura", FN_FEMALE, false},      {"lauren", FN_FEMALE, false},
    {"laurence", FN_FEMALE, true},    {"laurens", FN_MALE, false},
    {"laurent", FN_MALE, true},       {"lea", FN_FEMALE, false},
    {"lee", FN_MALE, true},           {"leen", FN_FEMALE, false},
    {"lena", FN_FEMALE, false},       {"lennart", FN_MALE, false},
    {"lennert", FN_MALE, false},      {"leo", FN_MALE, false},
    {"leon", FN_MALE, true},          {"leonard", FN_MALE, false},
    {"leonie", FN_FEMALE, false},     {"levi", FN_MALE, false},
    {"lewis", FN_MALE, true},         {"liam", FN_MALE, false},
    {"lieke", FN_FEMALE, false},      {"lies", FN_FEMALE, false},
    {"liesbeth", FN_FEMALE, false},   {"lieselotte", FN_FEMALE, false},
    {"lieve", FN_FEMALE, false},      {"lieven", FN_MALE, false},
    {"lily", FN_FEMALE, false},       {"lina", FN_FEMALE, false},
    {"linda", FN_FEMALE, false},      {"linus", FN_MALE, false},
    {"lionel", FN_MALE, false},       {"lisa", FN_FEMALE, false},
    {"liv", FN_FEMALE, false},        {"lode", FN_MALE, false},
    {"logan", FN_MALE, false},        {"loic", FN_MALE, false},
    {"lois", FN_FEMALE, false},       {"lola", FN_FEMALE, false},
    {"lore", FN_FEMALE, false},       {"lorenz", FN_MALE, true},
    {"lorenzo", FN_MALE, false},      {"lothar", FN_MALE, false},
    {"lotte", FN_FEMALE, false},      {"lou", FN_UNISEX, false},
    {"louis", FN_MALE, true},         {"louise", FN_FEMALE, false},
    {"luc", FN_MALE, false},          {"lucas", FN_MALE, true},
    {"lucie", FN_FEMALE, false},      {"lucien", FN_MALE, false},
    {"lucy", FN_FEMALE, false},       {"ludo", FN_MALE, false},
    {"ludovic", FN_MALE, false},      {"ludwig", FN_MALE, true},
    {"luis", FN_MALE, false},         {"luise", FN_FEMALE, false},
    {"lukas", FN_MALE, false},        {"luke", FN_MALE, false},
    {"luna", FN_FEMALE, false},       {"luuk", FN_MALE, false},
    {"lynn", FN_FEMALE, false},       {"maaike", FN_FEMALE, false},
    {"maarten", FN_MALE, false},      {"madeleine", FN_FEMALE, false},
    {"mael", FN_MALE, false},         {"maelle", FN_FEMALE, false},
    {"maike", FN_FEMALE, false},      {"malcolm", FN_MALE, false},
    {"malo", FN_MALE, false},         {"malte", FN_MALE, false},
    {"manfred", FN_MALE, false},      {"manon", FN_FEMALE, false},
    {"marc", FN_MALE, true},          {"marcel", FN_MALE, false},
    {"marco", FN_MALE, false},        {"margaret", FN_FEMALE, false},
    {"margarete", FN_FEMALE, false},  {"margaux", FN_FEMALE, false},
    {"margriet", FN_FEMALE, false},   {"marguerite", FN_FEMALE, false},
    {"maria", FN_FEMALE, false},      {"marie", FN_FEMALE, false},
    {"marieke", FN_FEMALE, false},    {"marina", FN_FEMALE, false},
    {"marine", FN_FEMALE, false},     {"mario", FN_MALE, false},
    {"marion", FN_FEMALE, false},     {"mariska", FN_FEMALE, false},
    {"marit", FN_FEMALE, false},      {"marius", FN_MALE, false},
    {"mark", FN_MALE, false},         {"markus", FN_MALE, false},
    {"marleen", FN_FEMALE, false},    {"marlene", FN_FEMALE, false},
    {"marloes", FN_FEMALE, false},    {"marnix", FN_MALE, false},
    {"marshall", FN_MALE, true},      {"marthe", FN_FEMALE, false},
    {"martijn", FN_MALE, false},      {"martin", FN_MALE, true},
    {"martina", FN_FEMALE, false},    {"martine", FN_FEMALE, false},
    {"marvin", FN_MALE, false},       {"mary", FN_FEMALE, false},
    {"maryse", FN_FEMALE, false},     {"mason", FN_MALE, false},
    {"matheo", FN_MALE, false},       {"mathias", FN_MALE, false},
    {"mathieu", FN_MALE, true},       {"mathilda", FN_FEMALE, false},
    {"mathilde", FN_FEMALE, false},   {"mathis", FN_MALE, false},
    {"mats", FN_MALE, false},         {"matthew", FN_MALE, false},
    {"matthias", FN_MALE, false},     {"matthieu", FN_MALE, false},
    {"maud", FN_FEMALE, false},       {"maurice", FN_MALE, true},
    {"max", FN_MALE, false},          {"maxime", FN_UNISEX, false},
    {"maximilian", FN_MALE, false},   {"megan", FN_FEMALE, false},
    {"melanie", FN_FEMALE, false},    {"merel", FN_FEMALE, false},
    {"merle", FN_FEMALE, false},      {"mia", FN_FEMALE, false},
    {"michael", FN_MALE, false},      {"michel", FN_MALE, true},
    {"micheline", FN_FEMALE, false},  {"michiel", FN_MALE, false},
    {"mickael", FN_MALE, false},      {"mieke", FN_FEMALE, false},
    {"mike", FN_MALE, false},         {"mila", FN_FEMALE, false},
    {"milan", FN_MALE, false},        {"miriam", FN_FEMALE, false},
    {"mirjam", FN_FEMALE, false},     {"molly", FN_FEMALE, false},
    {"monika", FN_FEMALE, false},     {"monique", FN_FEMALE, false},
    {"morgan", FN_MALE, true},        {"morgane", FN_FEMALE, false},
    {"moritz", FN_MALE, false},       {"murielle", FN_FEMALE, false},
    {"myriam", FN_FEMALE, false},     {"nadine", FN_FEMALE, false},
    {"nael", FN_MALE, false},         {"nancy", FN_FEMALE, false},
    {"nathalie", FN_FEMALE, false},   {"nathan", FN_MALE, false},
    {"neil", FN_MALE, true},          {"nele", FN_FEMALE, false},
    {"nicholas", FN_MALE, false},     {"nick", FN_MALE, false},
    {"nico", FN_MALE, false},         {"nicola", FN_FEMALE, false},
    {"nicolai", FN_MALE, false},      {"nicolas", FN_MALE, true},
    {"nicole", FN_FEMALE, false},     {"niels", FN_MALE, false},
    {"nienke", FN_FEMALE, false},     {"nigel", FN_MALE, false},
    {"niklas", FN_MALE, false},       {"nils", FN_MALE, false},
    {"nina", FN_FEMALE, false},       {"noa", FN_FEMALE, false},
    {"noah", FN_MALE, false},         {"noe", FN_MALE, false},
    {"noel", FN_MALE, true},          {"noemie", FN_FEMALE, false},
    {"noor", FN_FEMALE, false},       {"nora", FN_FEMALE, false},
    {"norbert", FN_MALE, false},      {"norman", FN_MALE, false},
    {"oceane", FN_FEMALE, false},     {"odette", FN_FEMALE, false},
    {"oliver", FN_MALE, false},       {"olivia", FN_FEMALE, false},
    {"olivier", FN_MALE, false},      {"oscar", FN_MALE, false},
    {"oskar", FN_MALE, false},        {"otto", FN_MALE, true},
    {"owen", FN_MALE, true},          {"pascal", FN_MALE, true},
    {"pascale", FN_FEMALE, false},    {"patricia", FN_FEMALE, false},
    {"patrick", FN_MALE, false},      {"paul", FN_MALE, true},
    {"paula", FN_FEMALE, false},      {"pauline", FN_FEMALE, false},
    {"pepijn", FN_MALE, false},       {"peter", FN_MALE, false},
    {"petra", FN_FEMALE, false},      {"petronella", FN_FEMALE, false},
    {"petrus", FN_MALE, false},       {"philip", FN_MALE, false},
    {"philipp", FN_MALE, false},      {"philippe", FN_MALE, true},
    {"pia", FN_FEMALE, false},        {"pierre", FN_MALE, true},
    {"piet", FN_MALE, false},         {"pieter", FN_MALE, false},
    {"pol", FN_MALE, false},          {"poppy", FN_FEMALE, false},
    {"quentin", FN_MALE, false},      {"quinten", FN_MALE, false},
    {"rachel", FN_FEMALE, false},     {"raf", FN_MALE, false},
    {"rainer", FN_MALE, false},       {"ralf", FN_MALE, false},
    {"raphael", FN_MALE, false},      {"rayan", FN_MALE, false},
    {"raymond", FN_MALE, true},       {"rebecca", FN_FEMALE, false},
    {"reinhard", FN_MALE, false},     {"reinhold", FN_MALE, false},
    {"remi", FN_MALE, false},         {"renate", FN_FEMALE, false},
    {"renaud", FN_MALE, false},       {"rene", FN_MALE, false},
    {"reuben", FN_MALE, false},       {"rhys", FN_MALE, true},
    {"ria", FN_FEMALE, false},        {"richard", FN_MALE, true},
    {"rick", FN_MALE, false},         {"rik", FN_MALE, false},
    {"rita", FN_FEMALE, false},       {"rob", FN_MALE, false},
    {"robbe", FN_MALE, false},        {"robert", FN_MALE, true},
    {"robin", FN_UNISEX, false},      {"roel", FN_MALE, false},
    {"roger", FN_MALE, true},         {"roland", FN_MALE, true},
    {"rolf", FN_MALE, false},         {"romain", FN_MALE, false},
    {"romane", FN_FEMALE, false},     {"romy", FN_FEMALE, false},
    {"ronald", FN_MALE, false},       {"roos", FN_FEMALE, false},
    {"rory", FN_MALE, false},         {"rose", FN_FEMALE, true},
    {"ross", FN_MALE, true},          {"roy", FN_MALE, false},
    {"ruben", FN_MALE, false},        {"rudi", FN_MALE, false},
    {"rudolf", FN_MALE, false},       {"rudy", FN_MALE, false},
    {"russell", FN_MALE, true},       {"rutger", FN_MALE, false},
    {"ruud", FN_MALE, false},         {"ryan", FN_MALE, true},
    {"saar", FN_FEMALE, false},       {"sabine", FN_FEMALE, false},
    {"sabrina", FN_FEMALE, false},    {"sacha", FN_UNISEX, false},
    {"sam", FN_UNISEX, false},        {"samuel", FN_MALE, false},
    {"sander", FN_MALE, false},       {"sandra", FN_FEMALE, false},
    {"sandrine", FN_FEMALE, false},   {"sanne", FN_FEMALE, false},
    {"sara", FN_FEMALE, false},       {"sarah", FN_FEMALE, false},
    {"sasha", FN_UNISEX, false},      {"saskia", FN_FEMALE, false},
    {"scott", FN_MALE, true},         {"sean", FN_MALE, false},
    {"sebastiaan", FN_MALE, false},   {"sebastian", FN_MALE, false},
    {"sebastien", FN_MALE, false},    {"sem", FN_MALE, false},
    {"seppe", FN_MALE, false},        {"serge", FN_MALE, false},
    {"severine", FN_FEMALE, false},   {"shane", FN_MALE, false},
    {"siebe", FN_MALE, false},        {"siegfried", FN_MALE, false},
    {"silke", FN_FEMALE, false},      {"simon", FN_MALE, true},
    {"simone", FN_FEMALE, false},     {"sjoerd", FN_MALE, false},
    {"sofie", FN_FEMALE, false},      {"solene", FN_FEMALE, false},
    {"sonia", FN_FEMALE, false},      {"sophia", FN_FEMALE, false},
    {"sophie", FN_FEMALE, false},     {"spencer", FN_MALE, true},
    {"stanley", FN_MALE, true},       {"stefaan", FN_MALE, false},
    {"stefan", FN_MALE, false},       {"stefanie", FN_FEMALE, false},
    {"steffen", FN_MALE, false},      {"stephane", FN_MALE, false},
    {"stephanie", FN_FEMALE, false},  {"stephen", FN_MALE, false},
    {"steven", FN_MALE, false},       {"stewart", FN_MALE, true},
    {"stijn", FN_MALE, false},        {"stuart", FN_MALE, true},
    {"susan", FN_FEMALE, false},      {"susanne", FN_FEMALE, false},
    {"suzanne", FN_FEMALE, false},    {"sven", FN_MALE, false},
    {"svenja", FN_FEMALE, false},     {"sylvain", FN_MALE, false},
    {"sylvie", FN_FEMALE, false},     {"tanguy", FN_MALE, false},
    {"tanja", FN_FEMALE, false},      {"ted", FN_MALE, false},
    {"terence", FN_MALE, false},      {"tess", FN_FEMALE, false},
    {"teun", FN_MALE, false},         {"theo", FN_MALE, false},
    {"theodorus", FN_MALE, false},    {"theresa", FN_FEMALE, false},
    {"therese", FN_FEMALE, false},    {"thibault", FN_MALE, false},
    {"thibaut", FN_MALE, false},      {"thierry", FN_MALE, false},
    {"thijs", FN_MALE, false},        {"thomas", FN_MALE, true},
    {"thorsten", FN_MALE, false},     {"tibo", FN_MALE, false},
    {"till", FN_MALE, false},         {"tim", FN_MALE, false},
    {"timo", FN_MALE, false},         {"timothee", FN_MALE, false},
    {"timothy", FN_MALE, false},      {"tine", FN_FEMALE, false},
    {"tineke", FN_FEMALE, false},     {"tobias", FN_MALE, false},
    {"toby", FN_MALE, false},         {"tom", FN_MALE, false},
    {"toon", FN_MALE, false},         {"torsten", FN_MALE, false},
    {"trevor", FN_MALE, false},       {"tristan", FN_MALE, false},
    {"twan", FN_MALE, false},         {"tyler", FN_MALE, false},
    {"ulf", FN_MALE, false},          {"ulrich", FN_MALE, false},
    {"ursula", FN_FEMALE, false},     {"uwe", FN_MALE, false},
    {"valentin", FN_MALE, false},     {"valerie", FN_FEMALE, false},
    {"vanessa", FN_FEMALE, false},    {"veerle", FN_FEMALE, false},
    {"vera", FN_FEMALE, false},       {"veronika", FN_FEMALE, false},
    {"veronique", FN_FEMALE, false},  {"vic", FN_MALE, false},
    {"victor", FN_MALE, true},        {"victoria", FN_FEMALE, false},
    {"vincent", FN_MALE, true},       {"virginie", FN_FEMALE, false},
    {"volker", FN_MALE, false},       {"walter", FN_MALE, true},
    {"wannes", FN_MALE, false},       {"ward", FN_MALE, false},
    {"warre", FN_MALE, false},        {"wayne", FN_MALE, true},
    {"wendy", FN_FEMALE, false},      {"werner", FN_MALE, true},
    {"wessel", FN_MALE, false},       {"wilfred", FN_MALE, false},
    {"wilfried", FN_MALE, false},     {"wilhelm", FN_MALE, false},
    {"wilhelmina", FN_FEMALE, false}, {"willem", FN_MALE, false},
    {"willemijn", FN_FEMALE, false},  {"willi", FN_MALE, false},
    {"william", FN_MALE, false},      {"wilma", FN_FEMALE, false},
    {"wim", FN_MALE, false},          {"wolfgang", FN_MALE, false},
    {"wout", FN_MALE, false},         {"wouter", FN_MALE, false},
    {"xander", FN_MALE, false},       {"xavier", FN_MALE, false},
    {"yann", FN_MALE, false},         {"yannick", FN_MALE, false},
    {"yara", FN_FEMALE, false},       {"youri", FN_MALE, false},
    {"yves", FN_MALE, false},         {"yvette", FN_FEMALE, false},
    {"yvonne", FN_FEMALE, false},     {"zachary", FN_MALE, false},
    {"zoe", FN_FEMALE, false},
};

const size_t first_names_len = sizeof(first_names) / sizeof(first_names[0]);

/* Non-ASCII path: fold the word (é -> e, ß -> ss, Ø -> o); false unless all of it is a-z. */
static bool key_fold_utf8(const char *s, size_t n, char *key, size_t *len)
{
    int32_t cp[KEY_MAX + 1];
    bool clean;
    size_t m = fold_utf8(s, n, 0, cp, KEY_MAX + 1, &clean);
    if (!clean || m > KEY_MAX)
        return false;
    for (size_t i = 0; i < m; i++) {
        if (cp[i] < 'a' || cp[i] > 'z')
            return false;
        key[i] = (char)cp[i];
    }
    *len = m;
    return true;
}

/* The lookup key of a word into key[KEY_MAX + 1]; false when it cannot be a first name. */
static bool make_key(const char *s, size_t n, char *key)
{
    size_t len = 0;
    if (n == 0 || n > 4 * KEY_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch >= 0x80) {
            len = 0;
            if (!key_fold_utf8(s, n, key, &len))
                return false;
            break;
        }
        if (ch >= 'A' && ch <= 'Z')
            ch = (unsigned char)(ch - 'A' + 'a');
        if (ch < 'a' || ch > 'z' || len >= KEY_MAX)
            return false;
        key[len++] = (char)ch;
    }
    key[len] = '\0';
    return len > 0;
}

static int cmp_key(const void *k, const void *e)
{
    return strcmp((const char *)k, ((const struct first_name *)e)->key);
}

/* One word without hyphens. */
static const struct first_name *find_word(const char *s, size_t n)
{
    char key[KEY_MAX + 1];
    if (!make_key(s, n, key))
        return NULL;
    return bsearch(key, first_names, first_names_len, sizeof(first_names[0]), cmp_key);
}

const struct first_name *first_name_find(const char *s, size_t n, bool *compound)
{
    const struct first_name *head = NULL;
    size_t i = 0;
    if (compound)
        *compound = false;
    if (!s)
        return NULL;
    for (;;) {
        const char *dash = memchr(s + i, '-', n - i);
        size_t len = dash ? (size_t)(dash - (s + i)) : n - i;
        const struct first_name *f = find_word(s + i, len);
        if (!f)
            return NULL;
        if (!dash) {
            if (compound)
                *compound = head != NULL;
            return head ? head : f;
        }
        if (!head)
            head = f;
        i += len + 1;
    }
}

bool clean_first_name_known(const char *name)
{
    return name && first_name_find(name, strlen(name), NULL) != NULL;
}

const char *clean_first_name_gender(const char *name)
{
    const struct first_name *f = name ? first_name_find(name, strlen(name), NULL) : NULL;
    if (!f)
        return NULL;
    if (f->gender == FN_FEMALE)
        return "female";
    if (f->gender == FN_MALE)
        return "male";
    return NULL;
}
