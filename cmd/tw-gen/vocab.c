/*
 * The vocabulary of tw-gen: languages and their words, display names,
 * hashtags, emoji, cities, clients and link domains. Word lists are
 * written as space-separated strings and split once by vocab_init.
 * Words that hold '&', '<' or '>' are stored HTML-escaped, as the API
 * sends text. Every word is followed by 16 readable bytes (tw-gen's
 * text builder copies short words in one fixed-size move).
 */
#include "gen.h"
#include "tw_util.h"

#include <stdlib.h>
#include <string.h>

/* Weights follow the language mix of a sampled stream (percent). */
struct vlang vocab_langs[] = {
	{ "en", 30, 0,
	  "the a good day today love this new I we you just what time people happy "
	  "so really game music watch news check out R&amp;D Q&amp;A &lt;3 world "
	  "amazing morning night best friends can't wait tonight thank everyone "
	  "here live now big win team season coffee weekend work home city vote "
	  "free follow back omg lol wow never always again going to be is are "
	  "and or but with from for about more than ever this week update -&gt;",
	  NULL, { 0 }, { 0 } },
	{ "ja", 15, 1,
	  "今日 は とても いい 天気 です ね 明日 も 頑張り ます ありがとう "
	  "ございます 本当に 楽しかった 新しい 動画 を 見て ください 最高 "
	  "東京 ライブ 配信 中 おはよう おやすみ 嬉しい 可愛い 推し 発表 "
	  "リツイート お願いします ゲーム 試合 応援 してる",
	  "さくら ゆうき はると あおい みなと ひなた 田中 佐藤 鈴木 高橋 "
	  "りん そうた ゆい こはる", { 0 }, { 0 } },
	{ "es", 10, 0,
	  "hoy es un buen día que la el los las de en con para por muy feliz "
	  "gracias a todos mañana vamos nuevo partido música amigos noche "
	  "mejor siempre nunca más ahora aquí mundo vida amor fútbol España "
	  "México equipo ver esto",
	  NULL, { 0 }, { 0 } },
	{ "pt", 6, 0,
	  "hoje é um dia muito bom obrigado a todos o a os de em com para "
	  "não sim mais agora aqui jogo time vamos nova música amigos noite "
	  "melhor sempre nunca vida amor futebol Brasil cidade gente",
	  NULL, { 0 }, { 0 } },
	{ "ar", 5, 0,
	  "اليوم يوم جميل جدا الحمد لله شكرا لكم على في من إلى مع هذا هذه "
	  "صباح الخير مساء الخير الله أكبر مبروك جديد فيديو مباراة الهلال "
	  "النصر السعودية مصر الرياض الحب الحياة",
	  "محمد أحمد علي فاطمة نورة عبدالله سارة خالد ريم يوسف", { 0 }, { 0 } },
	{ "und", 5, 0, "", NULL, { 0 }, { 0 } },
	{ "ko", 4, 0,
	  "오늘 날씨 정말 좋다 감사합니다 사랑해 방탄소년단 새로운 영상 "
	  "공개 축하해 생일 최고 너무 귀여워 노래 콘서트 서울 내일 "
	  "화이팅 보고 싶어 진짜 대박",
	  "민지 서연 지훈 하은 도윤 수빈 김민준 이서준 박지민 정호석", { 0 }, { 0 } },
	{ "in", 3, 0,
	  "hari ini sangat senang terima kasih semua selamat pagi malam "
	  "baru saja yang dan di ke dari untuk dengan tidak ada bisa "
	  "Jakarta Indonesia main bola lagu teman",
	  NULL, { 0 }, { 0 } },
	{ "fr", 3, 0,
	  "aujourd'hui c'est une belle journée merci à tous le la les de "
	  "et en pour avec très bien nouveau match musique amis soir "
	  "toujours jamais plus maintenant Paris France vie amour",
	  NULL, { 0 }, { 0 } },
	{ "tr", 2.5, 0,
	  "bugün çok güzel bir gün teşekkürler herkese günaydın iyi geceler "
	  "ve ile için bu şu yeni maç müzik arkadaş hayat aşk İstanbul "
	  "Türkiye harika",
	  NULL, { 0 }, { 0 } },
	{ "th", 2.5, 1,
	  "วันนี้ อากาศ ดี มาก ขอบคุณ ทุกคน สวัสดี ครับ ค่ะ รัก คิดถึง "
	  "เพลง ใหม่ ดู หนัง กรุงเทพ ประเทศไทย สนุก อร่อย",
	  "สมชาย สมหญิง นภา กมล ปิยะ", { 0 }, { 0 } },
	{ "tl", 1.5, 0,
	  "salamat po sa lahat magandang umaga gabi ang ng mga sa na ko "
	  "mo siya kami tayo bagong kanta laro Maynila Pilipinas mahal kita",
	  NULL, { 0 }, { 0 } },
	{ "ru", 1.5, 0,
	  "сегодня очень хороший день спасибо всем доброе утро ночи и в на "
	  "с для это новый матч музыка друзья жизнь любовь Москва Россия "
	  "отлично",
	  "Алексей Мария Иван Анна Дмитрий Ольга Сергей Наталья", { 0 }, { 0 } },
	{ "de", 1.2, 0,
	  "heute ist ein schöner Tag danke an alle guten Morgen Abend und "
	  "der die das mit für von sehr neue Spiel Musik Freunde Leben "
	  "Liebe Berlin Deutschland immer",
	  NULL, { 0 }, { 0 } },
	{ "it", 1, 0,
	  "oggi è una bella giornata grazie a tutti buongiorno buonanotte "
	  "il la di e con per molto nuovo partita musica amici vita amore "
	  "Roma Italia sempre",
	  NULL, { 0 }, { 0 } },
	{ "hi", 1, 0,
	  "आज का दिन बहुत अच्छा है धन्यवाद सभी को सुप्रभात शुभ रात्रि और "
	  "में के लिए नया गाना मैच दोस्त जीवन प्यार भारत दिल्ली",
	  "राहुल प्रिया अमित पूजा विकास नेहा", { 0 }, { 0 } },
	{ "zh", 1, 1,
	  "今天 天气 很 好 谢谢 大家 早上好 晚安 新的 视频 音乐 朋友 "
	  "生活 爱 北京 上海 中国 加油 开心",
	  "小明 王芳 李伟 张敏 刘洋", { 0 }, { 0 } },
	{ "fa", 0.8, 0,
	  "امروز روز خوبی است ممنون از همه صبح بخیر شب بخیر و در به با "
	  "برای این جدید موسیقی دوستان زندگی عشق تهران ایران",
	  "علی مریم رضا زهرا", { 0 }, { 0 } },
	{ "pl", 0.7, 0,
	  "dzisiaj jest piękny dzień dziękuję wszystkim dzień dobry dobranoc "
	  "i w na z dla bardzo nowy mecz muzyka przyjaciele życie miłość "
	  "Warszawa Polska",
	  NULL, { 0 }, { 0 } },
	{ "nl", 0.6, 0,
	  "vandaag is een mooie dag bedankt allemaal goedemorgen goedenacht "
	  "en de het met voor heel nieuwe wedstrijd muziek vrienden leven "
	  "liefde Amsterdam Nederland",
	  NULL, { 0 }, { 0 } },
	{ "ur", 0.5, 0,
	  "آج بہت اچھا دن ہے شکریہ سب کا صبح بخیر شب بخیر اور میں کے لیے "
	  "نیا گانا میچ دوست زندگی پیار پاکستان لاہور",
	  "احمد عائشہ عمر زینب", { 0 }, { 0 } },
	{ "uk", 0.5, 0,
	  "сьогодні дуже гарний день дякую всім доброго ранку на добраніч "
	  "і в на з для це новий матч музика друзі життя любов Київ Україна",
	  "Олена Андрій Оксана Тарас", { 0 }, { 0 } },
	{ "vi", 0.5, 0,
	  "hôm nay là một ngày đẹp cảm ơn mọi người chào buổi sáng và của "
	  "cho với rất mới trận đấu âm nhạc bạn bè cuộc sống tình yêu "
	  "Hà Nội Việt Nam",
	  NULL, { 0 }, { 0 } },
	{ "el", 0.3, 0,
	  "σήμερα είναι μια ωραία μέρα ευχαριστώ όλους καλημέρα καληνύχτα "
	  "και στο με για πολύ νέο αγώνας μουσική φίλοι ζωή αγάπη Αθήνα",
	  "Γιώργος Μαρία Νίκος Ελένη", { 0 }, { 0 } },
	{ "he", 0.3, 0,
	  "היום יום יפה תודה לכולם בוקר טוב לילה טוב ו ב עם של חדש משחק "
	  "מוזיקה חברים חיים אהבה תל אביב ישראל",
	  "דוד שרה יוסי מיכל", { 0 }, { 0 } },
	{ "sv", 0.3, 0,
	  "idag är en fin dag tack alla god morgon god natt och i på med "
	  "för mycket ny match musik vänner livet kärlek Stockholm Sverige",
	  NULL, { 0 }, { 0 } },
	{ "ca", 0.3, 0,
	  "avui és un bon dia gràcies a tots bon dia bona nit i el la de "
	  "amb per molt nou partit música amics vida amor Barcelona",
	  NULL, { 0 }, { 0 } },
	{ "ht", 0.3, 0,
	  "jodi a se yon bèl jou mèsi tout moun bonjou bòn nwit ak nan pou "
	  "anpil nouvo mizik zanmi lavi lanmou Ayiti",
	  NULL, { 0 }, { 0 } },
	{ "et", 0.2, 0,
	  "täna on ilus päev aitäh kõigile tere hommikust head ööd ja on "
	  "uus mäng muusika sõbrad elu armastus Tallinn Eesti",
	  NULL, { 0 }, { 0 } },
	{ "fi", 0.2, 0,
	  "tänään on kaunis päivä kiitos kaikille hyvää huomenta hyvää yötä "
	  "ja on uusi peli musiikki ystävät elämä rakkaus Helsinki Suomi",
	  NULL, { 0 }, { 0 } },
};
const int vocab_nlangs = sizeof vocab_langs / sizeof vocab_langs[0];

const struct vcity vocab_cities[] = {
	{ "New York", "Manhattan, NY", "United States", "US", 40.7831, -73.9712 },
	{ "Los Angeles", "Los Angeles, CA", "United States", "US", 34.0522, -118.2437 },
	{ "Chicago", "Chicago, IL", "United States", "US", 41.8781, -87.6298 },
	{ "Houston", "Houston, TX", "United States", "US", 29.7604, -95.3698 },
	{ "Toronto", "Toronto, Ontario", "Canada", "CA", 43.6532, -79.3832 },
	{ "Mexico City", "Mexico City, Mexico", "Mexico", "MX", 19.4326, -99.1332 },
	{ "São Paulo", "São Paulo, Brasil", "Brazil", "BR", -23.5505, -46.6333 },
	{ "Rio de Janeiro", "Rio de Janeiro, Brasil", "Brazil", "BR", -22.9068, -43.1729 },
	{ "Buenos Aires", "Buenos Aires, Argentina", "Argentina", "AR", -34.6037, -58.3816 },
	{ "Bogotá", "Bogotá, Colombia", "Colombia", "CO", 4.7110, -74.0721 },
	{ "Lima", "Lima, Peru", "Peru", "PE", -12.0464, -77.0428 },
	{ "London", "London, England", "United Kingdom", "GB", 51.5074, -0.1278 },
	{ "Manchester", "Manchester, England", "United Kingdom", "GB", 53.4808, -2.2426 },
	{ "Paris", "Paris, France", "France", "FR", 48.8566, 2.3522 },
	{ "Berlin", "Berlin, Germany", "Germany", "DE", 52.5200, 13.4050 },
	{ "Madrid", "Madrid, España", "Spain", "ES", 40.4168, -3.7038 },
	{ "Barcelona", "Barcelona, España", "Spain", "ES", 41.3874, 2.1686 },
	{ "Roma", "Roma, Lazio", "Italy", "IT", 41.9028, 12.4964 },
	{ "Amsterdam", "Amsterdam, Nederland", "Netherlands", "NL", 52.3676, 4.9041 },
	{ "Stockholm", "Stockholm, Sverige", "Sweden", "SE", 59.3293, 18.0686 },
	{ "Warszawa", "Warszawa, Polska", "Poland", "PL", 52.2297, 21.0122 },
	{ "Moscow", "Moscow, Russia", "Russia", "RU", 55.7558, 37.6173 },
	{ "Kyiv", "Kyiv, Ukraine", "Ukraine", "UA", 50.4501, 30.5234 },
	{ "Istanbul", "İstanbul, Türkiye", "Türkiye", "TR", 41.0082, 28.9784 },
	{ "Cairo", "Cairo, Egypt", "Egypt", "EG", 30.0444, 31.2357 },
	{ "Riyadh", "Riyadh, Kingdom of Saudi Arabia", "Kingdom of Saudi Arabia", "SA", 24.7136, 46.6753 },
	{ "Dubai", "Dubai, United Arab Emirates", "United Arab Emirates", "AE", 25.2048, 55.2708 },
	{ "Lagos", "Lagos, Nigeria", "Nigeria", "NG", 6.5244, 3.3792 },
	{ "Nairobi", "Nairobi, Kenya", "Kenya", "KE", -1.2921, 36.8219 },
	{ "Johannesburg", "Johannesburg, South Africa", "South Africa", "ZA", -26.2041, 28.0473 },
	{ "Mumbai", "Mumbai, India", "India", "IN", 19.0760, 72.8777 },
	{ "New Delhi", "New Delhi, India", "India", "IN", 28.6139, 77.2090 },
	{ "Bangkok", "Bangkok, Thailand", "Thailand", "TH", 13.7563, 100.5018 },
	{ "Jakarta", "Jakarta Capital Region, Indonesia", "Indonesia", "ID", -6.2088, 106.8456 },
	{ "Manila", "Manila, National Capital Region", "Republic of the Philippines", "PH", 14.5995, 120.9842 },
	{ "Seoul", "Seoul, Republic of Korea", "Republic of Korea", "KR", 37.5665, 126.9780 },
	{ "Tokyo", "Tokyo, Japan", "Japan", "JP", 35.6762, 139.6503 },
	{ "Osaka", "Osaka, Japan", "Japan", "JP", 34.6937, 135.5023 },
	{ "Sydney", "Sydney, New South Wales", "Australia", "AU", -33.8688, 151.2093 },
	{ "Tehran", "Tehran, Iran", "Iran", "IR", 35.6892, 51.3890 },
};
const int vocab_ncities = sizeof vocab_cities / sizeof vocab_cities[0];

const struct vsource vocab_sources[] = {
	{ "Twitter for iPhone", "http://twitter.com/download/iphone", 40 },
	{ "Twitter for Android", "http://twitter.com/download/android", 35 },
	{ "Twitter Web App", "https://mobile.twitter.com", 15 },
	{ "Twitter for iPad", "http://twitter.com/#!/download/ipad", 3 },
	{ "TweetDeck", "https://about.twitter.com/products/tweetdeck", 3 },
	{ "IFTTT", "https://ifttt.com", 2 },
	{ "Hootsuite Inc.", "https://www.hootsuite.com", 1 },
	{ "Buffer", "https://buffer.com", 1 },
};
const int vocab_nsources = sizeof vocab_sources / sizeof vocab_sources[0];

/* Base hashtags, most popular first; vocab_init adds variants. */
static const char tags_src[] =
	"BTS COVID19 NFT Bitcoin crypto WorldCup ChatGPT AI Taylor_Swift NBA "
	"NFL PremierLeague LaLiga UFC F1 Olympics Oscars Grammys Netflix "
	"anime music news breaking Election2024 climate ClimateChange Ukraine "
	"Gaza love photography travel food fitness motivation art nature "
	"gaming Twitch YouTube TikTok Instagram kpop BLACKPINK Stray_Kids "
	"SEVENTEEN NewJeans ENHYPEN TXT JIMIN JUNGKOOK StarWars Marvel "
	"Pokemon Zelda Minecraft Fortnite GenshinImpact valorant LoL "
	"esports iPhone Apple Google Android tech startup javascript python "
	"100DaysOfCode DevOps cybersecurity blockchain ethereum DeFi web3 "
	"stocks trading investing economy inflation jobs remote MondayMotivation "
	"TBT FridayFeeling WeekendVibes sunset beach coffee pizza vegan "
	"health mentalhealth yoga running cycling football soccer baseball "
	"cricket IPL tennis golf boxing WWE Eurovision Coachella concert "
	"festival newmusic hiphop rap rock jazz EDM podcast books reading "
	"writing poetry science space NASA SpaceX Mars astronomy history "
	"education teachers students GoodMorning GoodNight happy birthday "
	"wedding family dogs cats pets DogsOfTwitter CatsOfTwitter "
	"Messi Ronaldo Mbappe RealMadrid Barca ManUtd Arsenal Liverpool "
	"Chelsea Juventus PSG Flamengo Palmeiras BocaJuniors Galatasaray "
	"Fenerbahce AlHilal AlNassr Hajj Ramadan EidMubarak Diwali "
	"Christmas NewYear Halloween Thanksgiving BlackFriday sale giveaway "
	"contest RT follow FollowFriday ff trending viral meme funny lol "
	"今日の一枚 拡散希望 相互フォロー 絵描きさんと繋がりたい イラスト "
	"ポケモン 原神 プロ野球 大谷翔平 東京 "
	"السعودية الهلال النصر رمضان_كريم مصر "
	"방탄소년단 뉴진스 세븐틴 "
	"ประเทศไทย "
	"Brasil futebol BBB Flamengo_ Corinthians "
	"España México Argentina Colombia Chile Perú "
	"France Paris Deutschland Italia Türkiye Indonesia Philippines "
	"India Bollywood Pakistan Nigeria Kenya SouthAfrica Australia Canada";

static const char *tag_suffix[] = { "2024", "Live", "News", "Fans", "TV" };

static const char emoji_src[] =
	"😂 ❤️ 😭 🥺 🔥 ✨ 😍 🙏 💕 👍 🎉 😊 🤣 💜 👀 🙌 🥰 😅 🤔 💯 "
	"🇯🇵 🇧🇷 ⚽ 🏀 🎶 😎 🤍 💙 😢 👏 🌸 ☀️ 🌙 🍕 ☕ 🐶 🐱 🚀 📸";

static const char latin_names_src[] =
	"Emma Olivia Liam Noah Sophia Mateo Lucas Valentina Camila Gabriel "
	"Isabella Mia Ethan Chloe Hugo Léa Jonas Lena Marco Giulia João "
	"Ana_Clara Diego Lucía Ahmed Ayşe Mehmet Putri Budi Juan_Carlos "
	"Maria_José Chris Alex Sam Jordan Taylor Jamie Kim Max Nina Omar";

static const char syllables_src[] =
	"ka ri to mo na su be la xo zz dev the real its official news "
	"fan club tv pro gamer art vibes daily life jp br mx uk us 2k x";

static const char domains_src[] =
	"www.youtube.com/watch?v= www.nytimes.com/2024/01/ www.bbc.co.uk/news/ "
	"www.instagram.com/p/ open.spotify.com/track/ github.com/ "
	"www.theguardian.com/world/ www.reuters.com/world/ www.twitch.tv/ "
	"www.tiktok.com/@ news.yahoo.co.jp/articles/ g1.globo.com/ "
	"www.elpais.com/ www.lemonde.fr/ www.spiegel.de/ www.ndtv.com/ "
	"medium.com/@ www.reddit.com/r/ apps.apple.com/app/ bit.ly/";

static const char alt_src[] =
	"A|dog|running|on|the|beach "
	"Screenshot|of|a|news|article "
	"A|plate|of|food|on|a|wooden|table "
	"Concert|crowd|under|purple|lights "
	"Sunset|over|the|city|skyline "
	"Chart|showing|prices|going|up";

struct vlist vocab_tags, vocab_emoji, vocab_latin_names, vocab_syllables,
    vocab_domains, vocab_alt;

uint16_t
vocab_cplen(const char *s, size_t n)
{
	size_t i;
	uint16_t cp = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			cp++;
	return cp;
}

/* Splits src at spaces into l; '_' and '|' inside a word become the
 * given character (so names and alt texts can hold spaces). */
static void
split(struct vlist *l, const char *src, char under, char bar)
{
	const char *p = src, *e;
	int cap = 16;
	char *s, *q;

	l->n = 0;
	l->w = tw_xmalloc((size_t)cap * sizeof *l->w);
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		e = p;
		while (*e && *e != ' ')
			e++;
		/* 16 bytes of padding: tb_add copies short words whole. */
		s = tw_xcalloc(1, (size_t)(e - p) + 17);
		memcpy(s, p, (size_t)(e - p));
		for (q = s; *q; q++) {
			if (*q == '_' && under)
				*q = under;
			else if (*q == '|' && bar)
				*q = bar;
		}
		if (l->n == cap) {
			cap *= 2;
			l->w = tw_xrealloc(l->w, (size_t)cap * sizeof *l->w);
		}
		l->w[l->n].s = s;
		l->w[l->n].len = (uint16_t)(e - p);
		l->w[l->n].cp = vocab_cplen(s, (size_t)(e - p));
		l->n++;
		p = e;
	}
}

static void
list_free(struct vlist *l)
{
	int i;

	for (i = 0; i < l->n; i++)
		free((char *)l->w[i].s);
	free(l->w);
	l->w = NULL;
	l->n = 0;
}

void
vocab_init(void)
{
	int i, k, n, cap;
	struct vlist base;

	for (i = 0; i < vocab_nlangs; i++) {
		split(&vocab_langs[i].wl, vocab_langs[i].words, 0, 0);
		split(&vocab_langs[i].nl, vocab_langs[i].names ?
		    vocab_langs[i].names : "", ' ', 0);
	}
	split(&vocab_emoji, emoji_src, 0, 0);
	split(&vocab_latin_names, latin_names_src, ' ', 0);
	split(&vocab_syllables, syllables_src, 0, 0);
	split(&vocab_domains, domains_src, 0, 0);
	split(&vocab_alt, alt_src, 0, ' ');

	/* Hashtags: the base list, then base + suffix variants, which
	 * land in the long tail of the Zipf draw. */
	split(&base, tags_src, 0, 0);
	n = base.n;
	cap = n * (1 + (int)(sizeof tag_suffix / sizeof tag_suffix[0]));
	vocab_tags.w = tw_xmalloc((size_t)cap * sizeof *vocab_tags.w);
	vocab_tags.n = 0;
	for (i = 0; i < n; i++)
		vocab_tags.w[vocab_tags.n++] = base.w[i];
	for (k = 0; k < (int)(sizeof tag_suffix / sizeof tag_suffix[0]); k++) {
		for (i = k; i < n; i += 3) {
			size_t bl = base.w[i].len, sl = strlen(tag_suffix[k]);
			char *s = tw_xcalloc(1, bl + sl + 17);

			memcpy(s, base.w[i].s, bl);
			memcpy(s + bl, tag_suffix[k], sl + 1);
			vocab_tags.w[vocab_tags.n].s = s;
			vocab_tags.w[vocab_tags.n].len = (uint16_t)(bl + sl);
			vocab_tags.w[vocab_tags.n].cp = vocab_cplen(s, bl + sl);
			vocab_tags.n++;
		}
	}
	free(base.w);
}

void
vocab_free(void)
{
	int i;

	for (i = 0; i < vocab_nlangs; i++) {
		list_free(&vocab_langs[i].wl);
		list_free(&vocab_langs[i].nl);
	}
	list_free(&vocab_tags);
	list_free(&vocab_emoji);
	list_free(&vocab_latin_names);
	list_free(&vocab_syllables);
	list_free(&vocab_domains);
	list_free(&vocab_alt);
}
