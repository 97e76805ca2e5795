# Writes the input files of the two-round project test (tests/project.rs) with R's haven
# and computes R survey's reference values from those files.
#
#   Rscript make_files.R        (from this folder; R >= 4.2, haven, survey)
#
# Round 2015: enoe_2015.csv, Latin-1 text, `;` separator, decimal commas.
# Round 2020: sdem_2020.dta (Stata, labelled) left-joined to coe_2020.sav (SPSS, labelled,
#             9 declared user-missing in the WG-SS columns) on ent, upm, n_hog, n_ren.
# Output:     r_reference.csv: period, indicator, dimension, group, estimate, se, read back
#             by R from the files written (haven::read_dta / read_sav, read.csv2).
suppressPackageStartupMessages({ library(haven); library(survey) })
options(digits = 17)
set.seed(20)

make_persons <- function(n_hog_per_psu) {
  rows <- list()
  for (ent in 1:4) for (upm in 1:5) for (h in seq_len(n_hog_per_psu)) {
    size <- sample(1:4, 1)
    fac <- round(runif(1, 50, 400), 2)
    for (r in seq_len(size)) rows[[length(rows) + 1]] <- data.frame(
      ent = ent, upm = upm, n_hog = h, n_ren = r, fac = fac)
  }
  d <- do.call(rbind, rows)
  n <- nrow(d)
  d$sexo <- sample(c(1, 2, 9), n, TRUE, c(0.48, 0.5, 0.02))
  d$eda <- sample(c(0:90, 99), n, TRUE, c(rep(1, 91), 2))
  d$pais_nac <- sample(c(484, 840, 320, 999), n, TRUE, c(0.8, 0.1, 0.07, 0.03))
  d$lengua <- sample(c(1, 2, 9), n, TRUE, c(0.15, 0.8, 0.05))
  wg <- function() sample(c(1, 2, 3, 4, 9), n, TRUE, c(0.8, 0.12, 0.04, 0.01, 0.03))
  d$dis_ver <- wg(); d$dis_oir <- wg(); d$dis_caminar <- wg()
  d$dis_recordar <- wg(); d$dis_banarse <- wg(); d$dis_hablar <- wg()
  adult <- d$eda >= 15 & d$eda != 99
  d$pea <- ifelse(adult, rbinom(n, 1, 0.6), 0)
  d$ocupado <- ifelse(d$pea == 1, rbinom(n, 1, 0.9), 0)
  d$ingreso <- ifelse(d$ocupado == 1, round(rlnorm(n, 8.5, 0.6), 2), NA)
  d$ingreso[d$ocupado == 1 & runif(n) < 0.05] <- NA
  d
}

# ---- round 2015: one CSV ------------------------------------------------------------
d15 <- make_persons(6)
d15$nom_ent <- c("Michoacán", "Nuevo León", "Querétaro", "Yucatán")[d15$ent]
write.table(d15, "enoe_2015.csv", sep = ";", dec = ",", row.names = FALSE, quote = TRUE,
            na = "", fileEncoding = "latin1")

# ---- round 2020: a labelled .dta joined to a labelled .sav -------------------------------
d20 <- make_persons(6)
keys <- c("ent", "upm", "n_hog", "n_ren")
sdem <- d20[, c(keys, "fac", "sexo", "eda", "pais_nac", "lengua")]
sdem$sexo <- labelled(sdem$sexo, c(Hombre = 1, Mujer = 2, "No especificado" = 9), "Sexo")
sdem$lengua <- labelled(sdem$lengua, c("Sí" = 1, No = 2, "No especificado" = 9),
                        "Habla lengua indígena")
sdem$eda <- labelled(sdem$eda, c("No especificado" = 99), "Edad")
write_dta(sdem, "sdem_2020.dta", version = 15)
# Every person but the last of each PSU answered the employment questionnaire.
coe <- d20[, c(keys, "dis_ver", "dis_oir", "dis_caminar", "dis_recordar", "dis_banarse",
               "dis_hablar", "pea", "ocupado", "ingreso")]
last <- !duplicated(d20[, c("ent", "upm")], fromLast = TRUE)
coe <- coe[!last, ]
wg_labels <- c("Sin dificultad" = 1, "Con poca dificultad" = 2, "Con mucha dificultad" = 3,
               "No puede hacerlo" = 4, "No especificado" = 9)
for (v in c("dis_ver", "dis_oir", "dis_caminar", "dis_recordar", "dis_banarse", "dis_hablar"))
  coe[[v]] <- labelled_spss(coe[[v]], wg_labels, na_values = 9)
coe$pea <- labelled(coe$pea, c("No" = 0, "Sí" = 1))
write_sav(coe, "coe_2020.sav")

# ---- reference values, from the files as written ---------------------------------------
r15 <- read.csv2("enoe_2015.csv", fileEncoding = "latin1")
s20 <- zap_labels(read_dta("sdem_2020.dta"))
c20 <- zap_labels(read_sav("coe_2020.sav", user_na = FALSE))  # 9 becomes NA
r20 <- merge(s20, c20, by = keys, all.x = TRUE, sort = FALSE)
stopifnot(nrow(r20) == nrow(s20))

derive <- function(d) {
  d$sex <- ifelse(d$sexo == 1, "male", ifelse(d$sexo == 2, "female", "unknown"))
  d$age_group <- ifelse(d$eda == 99, "unknown",
                 as.character(cut(d$eda, c(0, 15, 25, 60, Inf), right = FALSE,
                                  labels = c("0-14", "15-24", "25-59", "60+"))))
  wg <- as.matrix(d[, c("dis_ver", "dis_oir", "dis_caminar", "dis_recordar", "dis_banarse",
                        "dis_hablar")])
  wg[!is.na(wg) & wg == 9] <- NA
  any_lot <- apply(wg, 1, function(x) any(!is.na(x) & x >= 3))
  all_answered <- apply(wg, 1, function(x) all(!is.na(x)))
  d$disability <- ifelse(any_lot, "with_disability",
                  ifelse(all_answered, "without_disability", "unknown"))
  d$indigenous <- ifelse(d$lengua == 1, "indigenous",
                  ifelse(d$lengua == 2, "non_indigenous", NA))
  d$employed <- as.numeric(d$ocupado == 1)
  d
}

out <- list()
add <- function(period, indicator, dimension, tab) {
  est <- coef(tab); se <- SE(tab)
  groups <- as.character(tab[[dimension]])
  out[[length(out) + 1]] <<- data.frame(period = period, indicator = indicator,
    dimension = dimension, group = groups, estimate = sprintf("%.17g", est),
    se = sprintf("%.17g", se))
}
for (round in list(list("2015", r15), list("2020", r20))) {
  d <- derive(round[[2]])
  des <- svydesign(ids = ~upm, strata = ~ent, weights = ~fac, nest = TRUE, data = d)
  lf <- subset(des, !is.na(pea) & pea == 1)
  inc <- subset(des, !is.na(ocupado) & ocupado == 1 & !is.na(ingreso))
  t1 <- svymean(~employed, lf)
  out[[length(out) + 1]] <- data.frame(period = round[[1]], indicator = "employment_rate",
    dimension = "total", group = "total", estimate = sprintf("%.17g", coef(t1)),
    se = sprintf("%.17g", SE(t1)))
  t2 <- svymean(~ingreso, inc)
  out[[length(out) + 1]] <- data.frame(period = round[[1]], indicator = "mean_income",
    dimension = "total", group = "total", estimate = sprintf("%.17g", coef(t2)),
    se = sprintf("%.17g", SE(t2)))
  for (dim in c("sex", "age_group", "disability", "indigenous")) {
    f <- as.formula(paste0("~", dim))
    lf_d <- if (dim == "indigenous") subset(lf, !is.na(indigenous)) else lf
    inc_d <- if (dim == "indigenous") subset(inc, !is.na(indigenous)) else inc
    add(round[[1]], "employment_rate", dim, svyby(~employed, f, lf_d, svymean))
    add(round[[1]], "mean_income", dim, svyby(~ingreso, f, inc_d, svymean))
  }
}
ref <- do.call(rbind, out)
write.csv(ref, "r_reference.csv", row.names = FALSE)
cat(nrow(r15), "rows in 2015,", nrow(r20), "rows in 2020,", nrow(ref), "reference values\n")
